package io.vtep4j.examples.gateway;

import static java.util.concurrent.TimeUnit.MILLISECONDS;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.vtep4j.LocalPort;
import io.vtep4j.Segment;
import io.vtep4j.UnderlayIo;
import io.vtep4j.Vtep;
import io.vtep4j.encap.DropReason;
import io.vtep4j.encap.Encapsulation;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.evpn.EvpnAgent;
import io.vtep4j.internal.Transports;
import io.vtep4j.internal.afpacket.AfPacketChannel;
import io.vtep4j.internal.xdp.DecapOffload;
import io.vtep4j.internal.xdp.EncapOffload;
import io.vtep4j.internal.xdp.OffloadSources;
import io.vtep4j.learning.FdbListener;
import io.vtep4j.learning.ForwardingTable;
import io.vtep4j.learning.Location;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
 * <p>Threading: frames from the trunk are handled on the trunk's receive thread (with AF_PACKET: the VTEP's one
 * event loop, which also carries the overlay), frames from the overlay on the
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
    private final InterfaceLosses interfaceLosses;
    private volatile Trunk trunk;
    private volatile UnderlayRecorder recorder;
    private volatile MetricsEndpoint metrics;
    /** One of the ports: its flush writes out the underlay for all of them. */
    private volatile LocalPort anyPort;
    /** The event loop group the gateway made for its VTEP and trunk, or null (then the VTEP has its own). */
    private volatile EventLoopGroup ownedGroup;
    /** With {@code --decap-offload}: the program that decapsulates in the kernel, else null. */
    private volatile DecapOffload offload;
    /** With {@code --encap-offload}: the program that encapsulates in the kernel, else null. */
    private volatile EncapOffload encapOffload;
    /** With either offload: refreshes the table's entries of the MACs the programs forward frames from. */
    private volatile ScheduledExecutorService refresher;
    /** With either offload: the table's events for the programs' maps. */
    private volatile OffloadSources offloadSources;

    private Gateway(GatewayConfig config, Vtep vtep, EvpnAgent evpn) {
        this.config = config;
        this.vtep = vtep;
        this.evpn = evpn;
        for (DropReason reason :
                List.of(DropReason.UNMAPPED_VLAN, DropReason.LOCAL_FRAME_TOO_SHORT, DropReason.SEND_FAILED)) {
            drops.put(reason, new LongAdder());
        }
        this.interfaceLosses = InterfaceLosses.open(config);
        this.status = new GatewayStatus(this);
        countTrunkLosses();
    }

    /**
     * The trunk's losses join the VTEP's drops (its stats, the metrics' {@code vtep4j.drops}, the status line): frames
     * its receive ring or libpcap dropped as {@code port-receive-overflow}, frames it failed to send as
     * {@code port-send-failed}. Read when the counters are read; the VTEP keeps the last totals when it closes.
     */
    private void countTrunkLosses() {
        vtep.countLosses(DropReason.PORT_RECEIVE_OVERFLOW, () -> {
            Trunk t = trunk;
            return t == null ? 0 : t.overruns();
        });
        vtep.countLosses(DropReason.PORT_SEND_FAILED, () -> {
            Trunk t = trunk;
            return trunkSendErrors() + (t == null ? 0 : t.sendFailures());
        });
    }

    /**
     * Starts a gateway on the configured trunk interface (pcap), reporting the trunk's losses and recoveries to
     * {@code log} (one line each, from the trunk's watch thread); see {@link #start(GatewayConfig, Trunk.Opener)}.
     */
    public static Gateway startPcap(GatewayConfig config, Consumer<String> log) {
        return start(config, sink -> PcapTrunk.open(config.port, sink, log));
    }

    /**
     * Starts a gateway with the trunk I/O {@code --trunk-io} chose: AF_PACKET where this platform has it (the
     * default), else libpcap, saying which in one line to {@code log}; AF_XDP when asked for ({@code xdp}), falling
     * back to AF_PACKET with a line saying why where it is unavailable.
     *
     * @throws ConfigException if {@code --trunk-io afpacket} was asked for and this platform cannot, or as
     *     {@link #start(GatewayConfig, Trunk.Opener)}
     */
    public static Gateway startTrunk(GatewayConfig config, Consumer<String> log) {
        if (config.trunkIo == TrunkIo.XDP) {
            Gateway gateway = XdpStart.start(config, log);
            if (gateway != null) {
                return gateway;
            }
        }
        if (config.trunkIo != TrunkIo.PCAP) {
            String why = AfPacketChannel.unsupportedReason();
            if (why == null) {
                Gateway gateway = startAfPacket(config, log);
                log.accept("trunk " + config.port + ": AF_PACKET, TPACKET_V3 receive ring, sendmmsg, on the VTEP's "
                        + "event loop");
                return gateway;
            }
            if (config.trunkIo == TrunkIo.AFPACKET) {
                throw new ConfigException("--trunk-io afpacket: " + why);
            }
            log.accept("trunk " + config.port + ": AF_PACKET unavailable (" + why + "); falling back to pcap");
        }
        Gateway gateway = startPcap(config, log);
        log.accept("trunk " + config.port + ": pcap (libpcap, one frame per call, on a thread of its own)");
        return gateway;
    }

    /**
     * Starts a gateway whose VTEP and AF_PACKET trunk share one event loop (made here, stopped by {@link #close}):
     * a frame crosses from trunk to underlay and back without changing threads.
     */
    static Gateway startAfPacket(GatewayConfig config, Consumer<String> log) {
        return startOnLoop(config, loop -> sink -> AfPacketTrunk.open(config.port, loop, sink, log));
    }

    /** As {@link #startAfPacket}, with the trunk {@code trunk} opens on the shared loop. */
    static Gateway startOnLoop(GatewayConfig config, java.util.function.Function<IoEventLoop, Trunk.Opener> trunk) {
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(
                1,
                new DefaultThreadFactory("vtep4j-gateway", true),
                Transports.epollFactory(config.busyWait.toNanos()));
        IoEventLoop loop = group.next();
        try {
            return start(config, trunk.apply(loop), group);
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
            throw e;
        }
    }

    /**
     * Starts the VTEP, its segments and ports, then opens the trunk. Either everything runs or, on a
     * {@link ConfigException}, nothing is left behind.
     *
     * @throws ConfigException naming the problem in one line (underlay cannot be opened, VNI refused, trunk
     *                         cannot be opened)
     */
    public static Gateway start(GatewayConfig config, Trunk.Opener trunkOpener) {
        return start(config, trunkOpener, null);
    }

    /** As {@link #start(GatewayConfig, Trunk.Opener)}, the VTEP on {@code group} (null: its own loops). */
    private static Gateway start(GatewayConfig config, Trunk.Opener trunkOpener, EventLoopGroup group) {
        EvpnAgent evpn = config.evpn == null ? null : evpnAgent(config);
        OffloadSources sources = config.decapOffload || config.encapOffload ? new OffloadSources() : null;
        Vtep vtep = openVtep(config, evpn, sources, group);
        Gateway gateway = new Gateway(config, vtep, evpn);
        gateway.ownedGroup = group;
        try {
            if (sources != null) {
                DecapOffload decap = config.decapOffload ? openOffload(config) : null;
                gateway.offload = decap;
                EncapOffload encap = config.encapOffload ? openEncapOffload(config) : null;
                gateway.encapOffload = encap;
                gateway.refresher = refreshSeen(vtep, decap, encap, config.ageing);
                gateway.offloadSources = sources;
                // before any segment exists: no MAC is learned before the programs' maps follow the table
                sources.target(new OffloadMaps(decap, encap), vtep.forwardingTable());
            }
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
            gateway.trunk = trunkOpener.open(gateway.new TrunkReceiver());
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

    private static DecapOffload openOffload(GatewayConfig config) {
        try {
            return DecapOffload.open(
                    config.local,
                    config.dstPort,
                    config.port,
                    config.taggedVnis(),
                    Math.min(config.maxMacs, DecapOffload.MAX_SOURCES),
                    config.xdpMode);
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("--decap-offload: " + e.getMessage(), e);
        }
    }

    /**
     * Every quarter of the ageing time (1 s to 60 s), the remote MACs the decapsulating program forwarded frames from
     * have their age restarted where the table has them, as the frames themselves would have done: an active MAC never
     * ages out because the gateway did not see its frames. The trunk MACs the encapsulating program forwarded from
     * are refreshed more often, every {@link #trunkRefreshMillis}, because a refresh is also what the table's local
     * hold reads: a trunk host that sends only through the program stays held against a remote that claims its MAC.
     */
    private static ScheduledExecutorService refreshSeen(
            Vtep vtep, DecapOffload decap, EncapOffload encap, java.time.Duration ageing) {
        ScheduledExecutorService timer =
                Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("vtep4j-offload-refresh", true));
        long period = Math.min(60_000, Math.max(1_000, ageing.toMillis() / 4));
        ForwardingTable table = vtep.forwardingTable();
        DecapOffload.Seen refresh = (vni, mac) -> {
            Location where = table.lookup(vni, mac);
            if (where != null) {
                table.refresh(vni, mac, where); // only if still there: a move meanwhile stands
            }
        };
        if (decap != null) {
            timer.scheduleAtFixedRate(() -> refreshQuietly(decap::refreshHits, refresh), period, period, MILLISECONDS);
        }
        if (encap != null) {
            long trunk = trunkRefreshMillis(period);
            timer.scheduleAtFixedRate(() -> refreshQuietly(encap::refreshHits, refresh), trunk, trunk, MILLISECONDS);
        }
        return timer;
    }

    /**
     * How often trunk MACs are refreshed from the encapsulating program's marks: as often as the remote ones, but at
     * least twice per {@link ForwardingTable#DEFAULT_LOCAL_HOLD}, the time a local MAC is held against a remote claim
     * since the table last saw it.
     */
    static long trunkRefreshMillis(long period) {
        return Math.min(period, ForwardingTable.DEFAULT_LOCAL_HOLD.toMillis() / 2);
    }

    private static void refreshQuietly(
            java.util.function.ToIntFunction<DecapOffload.Seen> walk, DecapOffload.Seen refresh) {
        try {
            walk.applyAsInt(refresh);
        } catch (RuntimeException e) {
            // the next round tries again; a task that throws would end the schedule
        }
    }

    private static EncapOffload openEncapOffload(GatewayConfig config) {
        Map<Integer, Integer> vniByVlan = new java.util.TreeMap<>();
        config.taggedVnis().forEach((vni, vlan) -> vniByVlan.put(vlan, vni));
        try {
            return EncapOffload.open(
                    config.local,
                    config.dstPort,
                    config.port,
                    vniByVlan,
                    Math.min(config.maxMacs, DecapOffload.MAX_SOURCES),
                    config.xdpMode);
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("--encap-offload: " + e.getMessage(), e);
        }
    }

    /** Both listeners get every event, {@code first} first. */
    static FdbListener both(FdbListener first, FdbListener second) {
        return new FdbListener() {
            @Override
            public void learned(int vni, long mac, Location location) {
                first.learned(vni, mac, location);
                second.learned(vni, mac, location);
            }

            @Override
            public void moved(int vni, long mac, Location from, Location to) {
                first.moved(vni, mac, from, to);
                second.moved(vni, mac, from, to);
            }

            @Override
            public void aged(int vni, long mac, Location location) {
                first.aged(vni, mac, location);
                second.aged(vni, mac, location);
            }

            @Override
            public void evicted(int vni, long mac, Location location) {
                first.evicted(vni, mac, location);
                second.evicted(vni, mac, location);
            }

            @Override
            public void duplicate(int vni, long mac, Location location) {
                first.duplicate(vni, mac, location);
                second.duplicate(vni, mac, location);
            }

            @Override
            public void removed(int vni, long mac, Location location) {
                first.removed(vni, mac, location);
                second.removed(vni, mac, location);
            }

            @Override
            public void installed(int vni, long mac, Location location) {
                first.installed(vni, mac, location);
                second.installed(vni, mac, location);
            }

            @Override
            public void flushed(int vni, Location where) {
                first.flushed(vni, where);
                second.flushed(vni, where);
            }
        };
    }

    private static Vtep openVtep(GatewayConfig config, EvpnAgent evpn, FdbListener sources, EventLoopGroup group) {
        Vtep.Builder builder = Vtep.builder()
                .localAddress(config.local)
                .encapsulations(
                        config.encapsulation,
                        config.encapsulations
                                .subList(1, config.encapsulations.size())
                                .toArray(new Encapsulation[0]))
                .ageing(config.ageing);
        if (config.encapsulation != Encapsulation.NVGRE) {
            builder.port(config.encapsulation, config.dstPort);
        }
        builder.maxMacs(config.maxMacs);
        if (config.maxMacsPerVni > 0) {
            builder.maxMacsPerVni(config.maxMacsPerVni);
        }
        if (config.groupDev != null) {
            builder.multicastInterface(config.groupDev);
        }
        builder.floodLimit(config.floodLimit);
        builder.busyPoll(config.busyPollMicros);
        builder.underlayIo(config.underlayIo);
        if (config.underlayIo != UnderlayIo.SOCKET) { // the library refuses a mode where no program is attached
            builder.xdpMode(config.xdpMode);
        }
        builder.pmtuSignalling(config.pmtuSignalling);
        builder.outerHeader(config.outerHeader);
        config.outerSend.applyTo(builder);
        builder.udpGro(config.udpGro);
        builder.suppressNeighbors(config.arpSuppress);
        if (group != null) {
            builder.eventLoopGroup(group); // built busy-waiting or not by startOnLoop
        } else {
            builder.busyWait(config.busyWait);
        }
        if (evpn != null) {
            builder.fdbListener(sources == null ? evpn.fdbListener() : both(sources, evpn.fdbListener()));
            builder.neighborListener(evpn.neighborListener()); // with --arp-suppress: host addresses go into BGP
        } else if (sources != null) {
            builder.fdbListener(sources);
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
            for (FloodTarget target : config.flood.getOrDefault(vni, List.of())) {
                segment.floodTo(target.encapsulation(), target.address());
            }
            InetAddress group = config.groups.get(vni);
            if (group != null) {
                segment.floodTo(group);
            }
            int tag = vlan;
            portByVlan[tag] =
                    segment.attach(tag == VlanMap.UNTAGGED ? "untagged" : "vlan" + tag, frame -> toTrunk(tag, frame));
            anyPort = portByVlan[tag];
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
        forward(frame, vlan, false);
    }

    /**
     * A frame of VLAN {@code vlan} (0: untagged) without its tag, into that VLAN's port; {@code batched}: the trunk
     * ends its batch with {@link TrunkReceiver#batchEnd}, which flushes, else the port flushes by itself.
     */
    private void forward(ByteBuf frame, int vlan, boolean batched) {
        if (frame.readableBytes() < Ethernet.HEADER_LENGTH) {
            drop(DropReason.LOCAL_FRAME_TOO_SHORT, frame);
            return;
        }
        LocalPort port = vlan <= VlanMap.MAX_VLAN ? portByVlan[vlan] : null;
        if (port == null) {
            drop(DropReason.UNMAPPED_VLAN, frame);
            return;
        }
        try {
            if (batched) {
                port.write(frame); // takes ownership, also when it throws
            } else {
                port.send(frame);
            }
        } catch (IllegalStateException closing) {
            drops.get(DropReason.SEND_FAILED).increment();
        }
    }

    /** What the trunk hands its frames to. */
    private final class TrunkReceiver implements Trunk.Receiver {
        @Override
        public void accept(ByteBuf frame) {
            fromTrunk(frame);
        }

        @Override
        public void acceptTagged(ByteBuf frame, int vlanId) {
            forward(frame, vlanId, true);
        }

        /** The table slots of the frame's source (the learn) and destination (the lookup) in its VLAN's VNI. */
        @Override
        public long readAhead(ByteBuf ring, int offset, int length, int vlanId) {
            if (length < Ethernet.HEADER_LENGTH || offset < 0 || length > ring.capacity() - offset) {
                return 0;
            }
            int vlan = vlanId;
            if (vlan < 0) {
                int index = offset + Ethernet.ETHER_TYPE_OFFSET;
                vlan = length >= Ethernet.HEADER_LENGTH + 4 && Ethernet.isVlanTpid(ring.getUnsignedShort(index))
                        ? ring.getUnsignedShort(index + 2) & 0xFFF
                        : VlanMap.UNTAGGED;
            }
            LocalPort port = vlan <= VlanMap.MAX_VLAN ? portByVlan[vlan] : null;
            if (port == null) {
                return 0;
            }
            return vtep.forwardingTable()
                    .readAhead(
                            port.segment().vni(),
                            Ethernet.destinationMac(ring, offset),
                            Ethernet.sourceMac(ring, offset));
        }

        @Override
        public void batchEnd() {
            LocalPort any = anyPort;
            if (any != null) {
                any.flush(); // one flush of the underlay for the whole batch
            }
        }
    }

    /** A frame the overlay delivered to VLAN {@code vlan}'s port (event loop; takes ownership). */
    private void toTrunk(int vlan, ByteBuf frame) {
        Trunk out = trunk;
        if (out == null || frame.readableBytes() < Ethernet.HEADER_LENGTH) {
            drop(DropReason.SEND_FAILED, frame);
            return;
        }
        if (!(vlan == VlanMap.UNTAGGED ? out.send(frame) : out.send(frame, vlan))) {
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

    /** The kernel-side decapsulation with {@code --decap-offload}, else null. */
    DecapOffload offload() {
        return offload;
    }

    /** The kernel-side encapsulation with {@code --encap-offload}, else null. */
    EncapOffload encapOffload() {
        return encapOffload;
    }

    /** With either offload: the table's events for the programs' maps and their upkeep counts, else null. */
    OffloadSources offloadSources() {
        return offloadSources;
    }

    /** The kernel's losses at the trunk and underlay interfaces since the start. */
    InterfaceLosses interfaceLosses() {
        return interfaceLosses;
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
        DecapOffload o = offload;
        EncapOffload e = encapOffload;
        ScheduledExecutorService refresh = refresher;
        OffloadSources sources = offloadSources;
        if (m != null) {
            m.close();
        }
        if (refresh != null) {
            refresh.shutdownNow();
        }
        if (sources != null) {
            sources.close();
        }
        try {
            if (o != null) {
                o.close(); // first: no frame reaches the trunk behind the gateway's back once it stops
            }
            if (e != null) {
                e.close();
            }
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
                EventLoopGroup g = ownedGroup;
                if (g != null) {
                    g.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
                }
                if (r != null) {
                    r.close();
                }
                interfaceLosses.close();
            }
        }
    }
}
