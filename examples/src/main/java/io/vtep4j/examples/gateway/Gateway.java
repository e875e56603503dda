package io.vtep4j.examples.gateway;

import io.netty.buffer.ByteBuf;
import io.vtep4j.LocalPort;
import io.vtep4j.Segment;
import io.vtep4j.Vtep;
import io.vtep4j.encap.DropReason;
import io.vtep4j.encap.Encapsulation;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.evpn.EvpnAgent;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * A running VLAN-to-VNI gateway: one {@link Vtep}, one segment and one local port per mapped VLAN, and a
 * {@link Trunk} carrying the tagged side.
 *
 * <p>Trunk to overlay: a tagged frame loses its tag and enters the VNI mapped to its VLAN; an untagged (or
 * priority-tagged, VID 0) frame enters the {@code --untagged} VNI; anything else is dropped and counted as
 * {@link DropReason#UNMAPPED_VLAN}. Overlay to trunk: a frame delivered to VNI n's port gets VLAN(n)'s tag (none
 * for the untagged VNI) and is transmitted. The engine learns MACs on both sides: trunk MACs on the VLAN's port,
 * overlay MACs at their remote VTEP. Nothing crosses between pairs: each pair is its own segment.
 *
 * <p>Threading: frames from the trunk are handled on the trunk's receive thread, frames from the overlay on the
 * VTEP's event loops; the view methods may be called from any thread. Buffers: every frame is owned by exactly one
 * side at a time and released or handed on, never both.
 */
public final class Gateway implements AutoCloseable {
    private final GatewayConfig config;
    private final Vtep vtep;
    /** Null without {@code --evpn}. */
    private final EvpnAgent evpn;
    /** Index: VLAN id 1..4094, or {@link VlanMap#UNTAGGED} (0) for untagged frames. */
    private final LocalPort[] portByVlan = new LocalPort[VlanMap.MAX_VLAN + 1];

    private final Map<DropReason, LongAdder> drops = new EnumMap<>(DropReason.class);
    private final LongAdder trunkSendErrors = new LongAdder();
    private final GatewayStatus status;
    private volatile Trunk trunk;
    private volatile UnderlayRecorder recorder;
    private volatile MetricsEndpoint metrics;

    private Gateway(GatewayConfig config, Vtep vtep, EvpnAgent evpn) {
        this.config = config;
        this.vtep = vtep;
        this.evpn = evpn;
        for (DropReason reason :
                List.of(DropReason.UNMAPPED_VLAN, DropReason.LOCAL_FRAME_TOO_SHORT, DropReason.SEND_FAILED)) {
            drops.put(reason, new LongAdder());
        }
        this.status = new GatewayStatus(this);
    }

    /**
     * Starts a gateway on the configured trunk interface (pcap), reporting the trunk's losses and recoveries to
     * {@code log} (one line each, from the trunk's watch thread); see {@link #start(GatewayConfig, Trunk.Opener)}.
     */
    public static Gateway startPcap(GatewayConfig config, Consumer<String> log) {
        return start(config, sink -> PcapTrunk.open(config.port, sink, log));
    }

    /**
     * Starts the VTEP, its segments and ports, then opens the trunk. Either everything runs or, on a
     * {@link ConfigException}, nothing is left behind.
     *
     * @throws ConfigException naming the problem in one line (underlay cannot be opened, VNI refused, trunk
     *                         cannot be opened)
     */
    public static Gateway start(GatewayConfig config, Trunk.Opener trunkOpener) {
        EvpnAgent evpn = config.evpn == null ? null : evpnAgent(config);
        Vtep vtep = openVtep(config, evpn);
        Gateway gateway = new Gateway(config, vtep, evpn);
        try {
            gateway.attachSegments();
            if (evpn != null) {
                evpn.start(vtep); // connects in the background; forwarding floods as configured meanwhile
            }
            if (config.pcapOut != null) {
                gateway.recorder = UnderlayRecorder.start(config);
            }
            if (config.metrics != null) {
                // before the trunk: a port in use fails the start before any frame is captured
                gateway.metrics = MetricsEndpoint.start(gateway, config.metrics);
            }
            gateway.trunk = trunkOpener.open(gateway::fromTrunk);
            gateway.status.reset();
            return gateway;
        } catch (ConfigException e) {
            gateway.close();
            throw e;
        } catch (RuntimeException e) {
            gateway.close();
            throw new ConfigException(String.valueOf(e.getMessage()), e);
        }
    }

    private static EvpnAgent evpnAgent(GatewayConfig config) {
        EvpnAgent.Builder b = EvpnAgent.builder()
                .gobgp(config.evpn.api())
                .vtepAddress(config.local.getHostAddress())
                .learnFromUnderlay(config.evpn.learnUnderlay());
        if (config.evpn.asn() > 0) {
            b.asn(config.evpn.asn());
        }
        config.vlans.byVni().keySet().forEach(b::vni);
        try {
            return b.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new ConfigException("--evpn: " + e.getMessage(), e);
        }
    }

    private static Vtep openVtep(GatewayConfig config, EvpnAgent evpn) {
        Vtep.Builder builder = Vtep.builder()
                .localAddress(config.local)
                .encapsulation(config.encapsulation)
                .ageing(config.ageing);
        if (config.encapsulation != Encapsulation.NVGRE) {
            builder.port(config.dstPort);
        }
        builder.maxMacs(config.maxMacs);
        if (config.maxMacsPerVni > 0) {
            builder.maxMacsPerVni(config.maxMacsPerVni);
        }
        if (config.groupDev != null) {
            builder.multicastInterface(config.groupDev);
        }
        builder.floodLimit(config.floodLimit);
        if (evpn != null) {
            builder.fdbListener(evpn.fdbListener());
        }
        try {
            return builder.build();
        } catch (UncheckedIOException | IllegalStateException | IllegalArgumentException e) {
            throw new ConfigException(
                    "--local " + config.local.getHostAddress() + ": cannot open the underlay (" + e.getMessage() + ")",
                    e);
        }
    }

    private void attachSegments() {
        config.vlans.byVni().forEach((vni, vlan) -> {
            Segment segment;
            try {
                segment = vtep.segment(vni);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("VNI " + vni + ": " + e.getMessage(), e);
            }
            for (InetAddress remote : config.flood.getOrDefault(vni, List.of())) {
                segment.floodTo(remote);
            }
            InetAddress group = config.groups.get(vni);
            if (group != null) {
                segment.floodTo(group);
            }
            int tag = vlan;
            portByVlan[tag] =
                    segment.attach(tag == VlanMap.UNTAGGED ? "untagged" : "vlan" + tag, frame -> toTrunk(tag, frame));
        });
    }

    /** A frame from the trunk (trunk receive thread; takes ownership). */
    void fromTrunk(ByteBuf frame) {
        if (frame.readableBytes() < Ethernet.HEADER_LENGTH) {
            drop(DropReason.LOCAL_FRAME_TOO_SHORT, frame);
            return;
        }
        int vlan = Ethernet.vlanId(frame, frame.readerIndex());
        if (vlan >= 0) {
            Ethernet.popVlanTag(frame); // IEEE 802.1Q: VID 0 is a priority tag only; the frame is untagged
        } else {
            vlan = VlanMap.UNTAGGED;
        }
        LocalPort port = vlan <= VlanMap.MAX_VLAN ? portByVlan[vlan] : null;
        if (port == null) {
            drop(DropReason.UNMAPPED_VLAN, frame);
            return;
        }
        try {
            port.send(frame); // takes ownership, also when it throws
        } catch (IllegalStateException closing) {
            drops.get(DropReason.SEND_FAILED).increment();
        }
    }

    /** A frame the overlay delivered to VLAN {@code vlan}'s port (event loop; takes ownership). */
    private void toTrunk(int vlan, ByteBuf frame) {
        Trunk out = trunk;
        if (out == null || frame.readableBytes() < Ethernet.HEADER_LENGTH) {
            drop(DropReason.SEND_FAILED, frame);
            return;
        }
        ByteBuf tagged = vlan == VlanMap.UNTAGGED ? frame : Ethernet.pushVlanTag(frame, vlan);
        if (!out.send(tagged)) {
            trunkSendErrors.increment();
        }
    }

    private void drop(DropReason reason, ByteBuf frame) {
        drops.get(reason).increment();
        frame.release();
    }

    /** The engine underneath (stats, forwarding table). */
    public Vtep vtep() {
        return vtep;
    }

    /** The EVPN agent, or null without {@code --evpn}. */
    EvpnAgent evpn() {
        return evpn;
    }

    /** The settings it runs with. */
    GatewayConfig config() {
        return config;
    }

    /** The trunk, or null while starting. */
    Trunk trunk() {
        return trunk;
    }

    /** Frames the gateway itself dropped (trunk side), by reason; reasons never seen are absent. */
    public Map<DropReason, Long> gatewayDrops() {
        Map<DropReason, Long> out = new EnumMap<>(DropReason.class);
        drops.forEach((reason, count) -> {
            if (count.sum() > 0) {
                out.put(reason, count.sum());
            }
        });
        return out;
    }

    /** Frames the gateway itself dropped for {@code reason} so far (0 for reasons it never uses). */
    long dropped(DropReason reason) {
        LongAdder count = drops.get(reason);
        return count == null ? 0 : count.sum();
    }

    /** The port the metrics endpoint listens on, or -1 without one. */
    int metricsPort() {
        MetricsEndpoint m = metrics;
        return m == null ? -1 : m.port();
    }

    /** Frames the trunk failed to transmit. */
    public long trunkSendErrors() {
        return trunkSendErrors.sum();
    }

    /** One status line with rates since the previous call: pps in/out on both sides, drops by reason, MACs. */
    public String statusLine() {
        return status.line();
    }

    /** The closing summary: totals since start. */
    public String summary() {
        return status.summary();
    }

    /**
     * The forwarding table in the style of {@code bridge fdb show}, with each VNI's VLAN, then the counters of each
     * remote VTEP.
     */
    public String fdbTable() {
        return status.fdb() + RemoteTable.table(vtep().stats(), java.time.Instant.now());
    }

    /**
     * Stops the metrics endpoint, closes the trunk (no new frames), withdraws our EVPN routes, then closes the VTEP,
     * then the recording. Idempotent.
     */
    @Override
    public void close() {
        Trunk t = trunk;
        UnderlayRecorder r = recorder;
        MetricsEndpoint m = metrics;
        if (m != null) {
            m.close();
        }
        try {
            if (t != null) {
                t.close();
            }
            if (evpn != null) {
                evpn.close();
            }
        } finally {
            try {
                vtep.close();
            } finally {
                if (r != null) {
                    r.close();
                }
            }
        }
    }
}
