package io.vtep4j;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.vtep4j.encap.Encapsulation;
import io.vtep4j.encap.GreHeader;
import io.vtep4j.encap.VxlanHeader;
import io.vtep4j.internal.OuterSend;
import io.vtep4j.internal.UnderlayConfig;
import io.vtep4j.learning.FdbListener;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * An immutable snapshot of what a {@link Vtep.Builder} validated, with the defaults that depend on other settings
 * resolved (the port by encapsulation, direct I/O by platform, the per-VNI MAC limit by the global one); read by
 * the {@link VtepRuntime} and the {@link Forwarder}. Changing the builder after {@code build()} changes nothing here.
 * Thread-safe.
 */
final class VtepConfig {

    private final List<InetAddress> localAddresses;
    private final Encapsulation encapsulation;
    private final List<Encapsulation> encapsulations;
    private final Map<Encapsulation, Integer> mtus;
    private final Map<Encapsulation, Integer> ports;
    private final boolean acceptInnerVlan;
    private final int port;
    private final Duration ageing;
    private final int maxMacs;
    private final int maxMacsPerVni;
    private final Duration localHold;
    private final int maxRemoteLocations;
    private final int ttl;
    private final int dscp;
    private final int mtu;
    private final boolean strictReserved;
    private final int nvgreFlowId;
    private final String multicastInterface;
    private final int eventLoops;
    private final long busyWaitNanos;
    private final LongSupplier ticker;
    private final VtepListener listener;
    private final FdbListener fdbListener;
    private final Duration sweepInterval;
    private final int readBatch;
    private final int busyPollMicros;
    private final boolean udpGro;
    private final boolean udpGso;
    private final int sourcePorts;
    private final boolean directIo;
    /** The mode the underlay tries ({@link UnderlayIoChoice}): SOCKET, or an AF_XDP mode. */
    private final UnderlayIo underlayIo;

    private final XdpMode xdpMode;

    private final ByteBufAllocator allocator;
    private final EventLoopGroup sharedGroup;
    private final boolean forwardLinkLocal;
    private final int floodLimit;
    private final int floodBurst;
    /** The VTEP's outer TOS / TTL rule (fixed: the socket's {@link #dscp()} and {@link #ttl()}). */
    private final OuterHeader outerHeader;
    /** Answers to frames too big for the tunnel: null when off. */
    private final PmtuSignal.Settings pmtu;

    private final NeighborSettings neighbors;
    /** Source-port range, the sockets' DF and the IPv6 zero checksum. */
    private final OuterSend outerSend;

    /**
     * Copies {@code builder}'s settings.
     *
     * @throws IllegalStateException if direct I/O was asked for where it cannot run (see {@link Vtep.Builder#directIo})
     */
    VtepConfig(Vtep.Builder builder) {
        this.localAddresses = List.copyOf(builder.localAddresses);
        this.encapsulation = builder.encapsulation;
        this.encapsulations = MultiUnderlay.encapsulations(builder.encapsulation, builder.moreEncapsulations);
        this.mtus = Map.copyOf(builder.mtus);
        this.ports = Map.copyOf(builder.ports);
        this.acceptInnerVlan = builder.acceptInnerVlan;
        this.port = builder.port > 0 ? builder.port : defaultPort(builder.encapsulation);
        this.ageing = builder.ageing;
        this.maxMacs = builder.maxMacs;
        this.maxMacsPerVni = Math.min(builder.maxMacsPerVni, builder.maxMacs);
        this.localHold = builder.localHold;
        this.maxRemoteLocations = builder.maxRemoteLocations;
        this.ttl = builder.ttl;
        this.dscp = builder.dscp;
        this.mtu = builder.mtu;
        this.strictReserved = builder.strictReserved;
        this.nvgreFlowId = builder.nvgreFlowId;
        this.multicastInterface = builder.multicastInterface;
        this.eventLoops = builder.eventLoops;
        this.busyWaitNanos = builder.busyWait.toNanos();
        this.ticker = builder.ticker;
        this.listener = builder.listener;
        this.fdbListener = builder.fdbListener;
        this.sweepInterval = builder.sweepInterval;
        this.readBatch = builder.readBatch;
        this.busyPollMicros = builder.busyPollMicros;
        this.udpGro = builder.udpGro;
        this.udpGso = builder.udpGso;
        this.sourcePorts = builder.sourcePorts;
        // NVGRE's raw IP transport has no direct path.
        this.directIo = MultiUnderlay.anyUdp(encapsulations) && builder.resolveDirectIo();
        this.underlayIo = UnderlayIoChoice.tried(builder.underlayIo, encapsulations);
        if (builder.xdpMode != XdpMode.AUTO && builder.underlayIo == UnderlayIo.SOCKET) {
            throw new IllegalStateException("xdpMode: " + builder.xdpMode
                    + " with underlayIo(SOCKET) (expected: underlayIo(XDP) or underlayIo(XDP_RECEIVE), which attach"
                    + " an XDP program; SOCKET attaches none)");
        }
        this.xdpMode = builder.xdpMode;
        this.allocator = builder.allocator;
        this.sharedGroup = builder.sharedGroup;
        this.forwardLinkLocal = builder.forwardLinkLocal;
        this.floodLimit = builder.floodLimit;
        this.floodBurst = builder.floodBurst;
        this.outerHeader = builder.outerHeader != null
                ? builder.outerHeader
                : OuterHeader.builder().dscp(dscp).ttl(ttl).build();
        this.pmtu = builder.pmtuSignalling ? new PmtuSignal.Settings(builder.pmtuRate, builder.pmtuBurst) : null;
        this.neighbors = builder.neighbors;
        this.outerSend = new OuterSend(
                builder.sourcePortMin,
                builder.sourcePortMax,
                outerHeader.df() != OuterHeader.Df.UNSET,
                builder.udp6ZeroChecksumTx);
        MultiUnderlay.checkPorts(this);
        checkRun("port", ports);
        checkRun("mtu", mtus);
    }

    /** Refuses a per-encapsulation {@code setting} for an encapsulation this VTEP does not run: it would do nothing. */
    private void checkRun(String setting, Map<Encapsulation, Integer> values) {
        for (Map.Entry<Encapsulation, Integer> e : values.entrySet()) {
            if (!encapsulations().contains(e.getKey())) {
                throw new IllegalStateException(setting + "(" + e.getKey() + ", " + e.getValue() + "): " + e.getKey()
                        + " is not run (expected: one of " + encapsulations() + "; see Vtep.Builder.encapsulations)");
            }
        }
    }

    static int defaultPort(Encapsulation encapsulation) {
        return encapsulation == Encapsulation.GRE_UDP ? GreHeader.GRE_IN_UDP_PORT : VxlanHeader.DEFAULT_PORT;
    }

    /** What the underlay needs of this configuration, running on {@code group}. */
    UnderlayConfig underlayConfig(EventLoopGroup group) {
        return underlayConfig(group, encapsulation);
    }

    /** What the underlay of {@code encap} needs: its own port and MTU, direct I/O only over UDP. */
    UnderlayConfig underlayConfig(EventLoopGroup group, Encapsulation encap) {
        return UnderlayConfig.builder(group)
                .allocator(allocator)
                .localAddresses(localAddresses)
                .port(port(encap))
                .ttl(ttl)
                .dscp(dscp)
                .multicastInterface(multicastInterface)
                .maxFrameLength(mtu(encap))
                .readBatch(readBatch)
                .busyPoll(busyPollMicros)
                .udpGro(udpGro)
                .udpGso(udpGso)
                .sourcePorts(sourcePorts)
                .directIo(directIo && encap != Encapsulation.NVGRE)
                .outerSend(outerSend)
                .afXdp(underlayIo != UnderlayIo.SOCKET)
                .afXdpReceiveOnly(underlayIo == UnderlayIo.XDP_RECEIVE)
                .xdpMode(xdpMode)
                .build();
    }

    /** The underlay mode tried: what was asked for, or SOCKET where the encapsulations rule AF_XDP out. */
    UnderlayIo underlayIo() {
        return underlayIo;
    }

    /** The local underlay addresses, in the order added; at least one. */
    List<InetAddress> localAddresses() {
        return localAddresses;
    }

    /** The default encapsulation: transport 0. */
    Encapsulation encapsulation() {
        return encapsulation;
    }

    /** Every encapsulation run, in transport order; the default first. */
    List<Encapsulation> encapsulations() {
        return encapsulations;
    }

    /** The UDP port of {@code encap}'s underlay: the configured one for the default, the standard one otherwise. */
    int port(Encapsulation encap) {
        Integer own = ports.get(encap);
        if (own != null) {
            return own;
        }
        return encap == encapsulation ? port : defaultPort(encap);
    }

    /** Whether VXLAN delivers tagged inner frames (see {@link Vtep.Builder#acceptInnerVlan}). */
    boolean acceptInnerVlan() {
        return acceptInnerVlan;
    }

    /** The underlay MTU of {@code encap}: its own if set, else {@link #mtu()}. */
    int mtu(Encapsulation encap) {
        return mtus.getOrDefault(encap, mtu);
    }

    /** The UDP port of the default encapsulation, its standard one if none was set. */
    int port() {
        return port(encapsulation);
    }

    Duration ageing() {
        return ageing;
    }

    int maxMacs() {
        return maxMacs;
    }

    /** At most {@link #maxMacs()}. */
    int maxMacsPerVni() {
        return maxMacsPerVni;
    }

    Duration localHold() {
        return localHold;
    }

    int maxRemoteLocations() {
        return maxRemoteLocations;
    }

    int ttl() {
        return ttl;
    }

    int dscp() {
        return dscp;
    }

    int mtu() {
        return mtu;
    }

    boolean strictReserved() {
        return strictReserved;
    }

    /** 0..255, or {@link UnderlayOptions#FLOW_ID_FROM_HASH} (-1) for the inner-flow hash's. */
    int nvgreFlowId() {
        return nvgreFlowId;
    }

    /** The interface for multicast groups, or null. */
    String multicastInterface() {
        return multicastInterface;
    }

    int eventLoops() {
        return eventLoops;
    }

    long busyWaitNanos() {
        return busyWaitNanos;
    }

    LongSupplier ticker() {
        return ticker;
    }

    VtepListener listener() {
        return listener;
    }

    FdbListener fdbListener() {
        return fdbListener;
    }

    Duration sweepInterval() {
        return sweepInterval;
    }

    int readBatch() {
        return readBatch;
    }

    boolean udpGro() {
        return udpGro;
    }

    boolean udpGso() {
        return udpGso;
    }

    int sourcePorts() {
        return sourcePorts;
    }

    /** Resolved: true only where direct I/O runs. */
    boolean directIo() {
        return directIo;
    }

    ByteBufAllocator allocator() {
        return allocator;
    }

    /** The application's event loop group, or null when the VTEP owns its loops. */
    EventLoopGroup sharedGroup() {
        return sharedGroup;
    }

    /** The default of new segments: forward IEEE 802.1D link-local frames? */
    boolean forwardLinkLocal() {
        return forwardLinkLocal;
    }

    /** The default flood limit of new segments in packets per second; 0 is off. */
    int floodLimit() {
        return floodLimit;
    }

    /** ARP/ND suppression and miss-event settings. */
    NeighborSettings neighbors() {
        return neighbors;
    }

    /** The burst of {@link #floodLimit()}. */
    int floodBurst() {
        return floodBurst;
    }

    /** The VTEP-wide outer TOS / TTL rule. */
    OuterHeader outerHeader() {
        return outerHeader;
    }

    /**
     * {@code header} if packets under it need their own outer fields, null if the socket's fixed DSCP and TTL are
     * what it asks for (the plain path: no control messages).
     */
    OuterHeader perPacket(OuterHeader header) {
        boolean fixed = !header.inheritsTos() && !header.inheritsTtl() && header.df() == socketDf();
        return fixed && header.dscp() == dscp && header.ttl() == ttl ? null : header;
    }

    /** The DF the sockets carry: the VTEP's rule, or set where it is {@code inherit} (decided per packet). */
    private OuterHeader.Df socketDf() {
        return outerSend.dontFragment() ? OuterHeader.Df.SET : OuterHeader.Df.UNSET;
    }

    /** Path MTU signalling's rate limit, or null when it is off. */
    PmtuSignal.Settings pmtu() {
        return pmtu;
    }
}
