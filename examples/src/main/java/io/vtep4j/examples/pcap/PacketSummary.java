package io.vtep4j.examples.pcap;

/**
 * What the dissector concluded about one captured packet: outer addresses, encapsulation, VNI/VSID and FlowID,
 * inner Ethernet fields, verdict and reason. Immutable once built; fields are null where they do not apply.
 */
final class PacketSummary {
    /** The three verdicts of the {@code pcap} command. */
    enum Verdict {
        /** A tunnel packet vtep4j would accept. */
        OK("ok"),
        /** A tunnel packet (or an outer header) vtep4j would drop; {@link #reason()} says why. */
        DROP("drop"),
        /** Not tunnel traffic. */
        NOT_TUNNEL("not-tunnel");

        private final String label;

        Verdict(String label) {
            this.label = label;
        }

        /** The JSON / text form. */
        String label() {
            return label;
        }
    }

    private final int n;
    private final String outerSrc;
    private final String outerDst;
    private final Integer outerSrcPort;
    private final Integer outerDstPort;
    private final String encap;
    private final Integer vni;
    private final Integer flowId;
    private final Long innerSrc;
    private final Long innerDst;
    private final Integer innerType;
    private final Integer vlan;
    private final Verdict verdict;
    private final String reason;

    private PacketSummary(Builder b) {
        this.n = b.n;
        this.outerSrc = b.outerSrc;
        this.outerDst = b.outerDst;
        this.outerSrcPort = b.outerSrcPort;
        this.outerDstPort = b.outerDstPort;
        this.encap = b.encap;
        this.vni = b.vni;
        this.flowId = b.flowId;
        this.innerSrc = b.innerSrc;
        this.innerDst = b.innerDst;
        this.innerType = b.innerType;
        this.vlan = b.vlan;
        this.verdict = b.verdict;
        this.reason = b.reason;
    }

    int n() {
        return n;
    }

    String outerSrc() {
        return outerSrc;
    }

    String outerDst() {
        return outerDst;
    }

    Integer outerSrcPort() {
        return outerSrcPort;
    }

    Integer outerDstPort() {
        return outerDstPort;
    }

    /** "vxlan", "nvgre", "gre-udp", or null: the decoder that judged the packet (by UDP port or IP protocol). */
    String encap() {
        return encap;
    }

    Integer vni() {
        return vni;
    }

    Integer flowId() {
        return flowId;
    }

    Long innerSrc() {
        return innerSrc;
    }

    Long innerDst() {
        return innerDst;
    }

    Integer innerType() {
        return innerType;
    }

    Integer vlan() {
        return vlan;
    }

    Verdict verdict() {
        return verdict;
    }

    /** A {@code DropReason} label, {@code "capture-truncated"}, or null. */
    String reason() {
        return reason;
    }

    /** Collects fields while the dissector walks a packet; not thread-safe. */
    static final class Builder {
        private final int n;
        private String outerSrc;
        private String outerDst;
        private Integer outerSrcPort;
        private Integer outerDstPort;
        private String encap;
        private Integer vni;
        private Integer flowId;
        private Long innerSrc;
        private Long innerDst;
        private Integer innerType;
        private Integer vlan;
        private Verdict verdict = Verdict.NOT_TUNNEL;
        private String reason;

        Builder(int n) {
            this.n = n;
        }

        Builder outer(String src, String dst) {
            this.outerSrc = src;
            this.outerDst = dst;
            return this;
        }

        Builder ports(int src, int dst) {
            this.outerSrcPort = src;
            this.outerDstPort = dst;
            return this;
        }

        Builder encap(String encap) {
            this.encap = encap;
            return this;
        }

        Builder vni(int vni) {
            this.vni = vni;
            return this;
        }

        Builder flowId(int flowId) {
            this.flowId = flowId;
            return this;
        }

        Builder inner(long src, long dst, Integer type, Integer vlan) {
            this.innerSrc = src;
            this.innerDst = dst;
            this.innerType = type;
            this.vlan = vlan;
            return this;
        }

        Builder verdict(Verdict verdict, String reason) {
            this.verdict = verdict;
            this.reason = reason;
            return this;
        }

        PacketSummary build() {
            return new PacketSummary(this);
        }
    }
}
