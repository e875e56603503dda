package io.vtep4j;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.Encapsulation;
import io.vtep4j.encap.FlowHash;
import io.vtep4j.encap.NvgreCodec;
import io.vtep4j.encap.VxlanCodec;

/**
 * The tunnel header a {@link Forwarder} writes and reads: VXLAN, or the GRE key of NVGRE and GRE-in-UDP, as the
 * VTEP's {@link Encapsulation} says. Stateless after construction, so thread-safe; buffer ownership as the codecs'.
 */
final class TunnelCodec {

    private final VxlanCodec vxlan;
    private final NvgreCodec nvgre;
    private final boolean gre;
    /** 0..255 to send that FlowID on every GRE packet, -1 for the inner-flow hash's. */
    private final int fixedFlowId;

    TunnelCodec(VtepConfig config) {
        this(config, config.encapsulation());
    }

    /** The codec of {@code encapsulation}, one of a VTEP's several underlays. */
    TunnelCodec(VtepConfig config, Encapsulation encapsulation) {
        this.vxlan = VxlanCodec.builder()
                .strictReserved(config.strictReserved())
                .acceptInnerVlan(config.acceptInnerVlan())
                .build();
        this.nvgre =
                NvgreCodec.builder().strictReserved(config.strictReserved()).build();
        this.gre = encapsulation != Encapsulation.VXLAN;
        this.fixedFlowId = config.nvgreFlowId();
    }

    /** The tunnel packet for {@code frame} in {@code vni}; {@code hash} is the inner flow's. Takes ownership. */
    ByteBuf encapsulate(ByteBuf frame, int vni, int hash) {
        if (!gre) {
            return vxlan.encapsulate(frame, vni);
        }
        // RFC 7637 §3.2: the NVE chooses the FlowID; per-flow entropy by default, or the configured fixed one.
        return nvgre.encapsulate(frame, vni, fixedFlowId >= 0 ? fixedFlowId : FlowHash.flowId(hash));
    }

    /**
     * Strips the tunnel header from {@code payload} in place (the reader index then stands at the inner frame) and
     * returns the VNI / VSID, or a negative {@code DropReason} code. Does not release {@code payload}.
     */
    long decapsulate(ByteBuf payload) {
        if (gre) {
            long decoded = nvgre.decapsulate(payload);
            return decoded < 0 ? decoded : decoded >>> 8;
        }
        return vxlan.decapsulate(payload);
    }
}
