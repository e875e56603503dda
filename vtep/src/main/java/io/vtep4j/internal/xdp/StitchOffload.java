package io.vtep4j.internal.xdp;

import io.vtep4j.XdpMode;
import io.vtep4j.internal.libc.LibC;
import io.vtep4j.internal.netlink.LinkKind;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.Arrays;

/**
 * A VNI stitch relayed in the kernel: two VTEPs, A and B, each with one stitch port whose frames the owner sends into
 * the other's, so that a frame from A's overlay leaves in B's VNI towards B's remotes and the other way round. An
 * XDP program on each side's underlay interface ({@link BpfProgram#relayStitched}; one program for both when they
 * share it) rewrites each VXLAN packet the two VTEPs would only pass on into the packet the other side sends, and
 * redirects it to that side's interface. Everything else (floods, unknown or newly learned MACs, ARP and IPv6, ECN
 * marks, packets too big for the other side, next hops not resolved yet) reaches the VTEPs as before.
 *
 * <p>The VTEPs stay the authority: the owner fills the maps from each VTEP's forwarding table, through
 * {@link #side(boolean)}'s {@link OffloadSources.Target} (a MAC at one of the side's remotes, on its stitch port,
 * or gone). A packet is relayed only when both tables already agree on where its source and destination are, so
 * neither VTEP would learn or flood anything; the program marks the sources it relays from, and the owner collects
 * the marks ({@link #refreshHits}) to refresh those entries' age in both tables. A background thread per side keeps
 * the next hops of that side's remotes from the kernel's route and neighbour tables, as {@link EncapOffload} does.
 *
 * <p>Bounds: {@code maxMacs} entries in each of the four MAC maps (allocated as added), {@value HopWatch#MAX_REMOTES}
 * remotes with next hops per side, each followed while a MAC of the maps is at it (so remotes a sender made up leave
 * with their MACs); what a full map refuses stays on the VTEPs' path and is counted
 * ({@link #refused}), as are failed changes. The packet it sends has the VTEP's default outer header (DSCP 0, TTL 64, DF, UDP checksum 0),
 * so the owner uses it only with those settings, with VXLAN on IPv4 underlays. Each interface's MTU is read when the
 * program is built; an MTU lowered later calls for a new program. While a side's interface is administratively down,
 * the program leaves the packets it would send there to the VTEPs ({@link #followInterfaces}).
 *
 * <p>Thread-safe: the maps are changed and read under one lock, which {@link #close} also takes.
 */
public final class StitchOffload implements AutoCloseable {

    /** One side as the owner names it: the VTEP's underlay address, its UDP port and the stitched VNI. */
    public record Side(InetAddress local, int port, int vni) {
        /** Checks the values, naming the rule. */
        public Side {
            if (!(local instanceof Inet4Address)) {
                throw new IllegalArgumentException(
                        "local: " + (local == null ? null : local.getHostAddress()) + " (expected: an IPv4 address)");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
            }
            if (vni < 0 || vni > 0xFFFFFF) {
                throw new IllegalArgumentException("vni: " + vni + " (expected: 0..16777215)");
            }
        }
    }

    /** A side's interface: index, MAC (low 48 bits) and MTU. */
    public record Interface(int ifindex, long mac, int mtu) {
        /** Checks the MAC; the index and MTU are checked where the program is built. */
        public Interface {
            if ((mac & ~0xFFFF_FFFF_FFFFL) != 0) {
                throw new IllegalArgumentException("mac: 0x" + Long.toHexString(mac) + " (expected: 48 bits)");
            }
        }
    }

    private final Side a;
    private final Side b;
    private final ProgramCounters toA;
    private final ProgramCounters toB;
    /** Per side (0: A, 1: B): remote MACs, stitch-port MACs, next hops. */
    private final int[] remoteMap = {-1, -1};

    private final int[] localMap = {-1, -1};
    private final int[] hopMap = {-1, -1};
    private int statsMap = -1;
    /** One slot per side: its interface while that is up. */
    private int deviceMap = -1;

    private final int[] ifindex = new int[2];
    private Thread watcher;
    private int progFd = -1;
    private final int[] links = {-1, -1};
    private final HopWatch[] hops = new HopWatch[2];
    private String describe = "not attached";
    private final MapWriter maps = new MapWriter();

    private StitchOffload(Side a, Side b, int cpus) {
        this.a = a;
        this.b = b;
        this.toA = new ProgramCounters(cpus, 0);
        this.toB = new ProgramCounters(cpus, 1);
    }

    /**
     * Loads the program and attaches it to the interface holding each side's address, in {@code mode}
     * ({@link XdpMode#AUTO}: generic on a veth, else native where the driver has it); starts following next hops.
     *
     * @throws IllegalArgumentException as {@link #load}
     * @throws IOException naming what failed: no interface holds an address, no Ethernet address, the kernel's refusal
     */
    public static StitchOffload open(Side a, Side b, int maxMacs, XdpMode mode) throws IOException {
        NetworkInterface ia = underlay(a);
        NetworkInterface ib = underlay(b);
        StitchOffload offload = load(a, face(ia), b, face(ib), maxMacs);
        try {
            XdpAttachment.Link la = XdpAttachment.link(offload.progFd, ia.getIndex(), mode, LinkKind.of(ia.getIndex()));
            offload.links[0] = la.fd();
            String where = ia.getName() + " (" + la.mode() + " XDP)";
            if (ib.getIndex() != ia.getIndex()) {
                XdpAttachment.Link lb =
                        XdpAttachment.link(offload.progFd, ib.getIndex(), mode, LinkKind.of(ib.getIndex()));
                offload.links[1] = lb.fd();
                where += " and " + ib.getName() + " (" + lb.mode() + " XDP)";
            }
            offload.hops[0] =
                    HopWatch.start(ia.getIndex(), (ad, mac) -> offload.nextHop(true, ad, mac), "vtep4j-stitch-hops-a");
            offload.hops[1] =
                    HopWatch.start(ib.getIndex(), (ad, mac) -> offload.nextHop(false, ad, mac), "vtep4j-stitch-hops-b");
            offload.describe = "VNI " + a.vni() + " at " + a.local().getHostAddress() + ":" + a.port() + " and VNI "
                    + b.vni() + " at " + b.local().getHostAddress() + ":" + b.port() + " relayed on " + where;
            offload.watcher = InterfaceWatch.start("vtep4j-stitch-interfaces", offload::followInterfaces, e -> {
                // a netlink or map call failed in an unforeseen way: the next round asks again
            });
            return offload;
        } catch (IOException | RuntimeException e) {
            offload.close();
            throw e;
        }
    }

    private static NetworkInterface underlay(Side side) throws IOException {
        NetworkInterface i = NetworkInterface.getByInetAddress(side.local());
        if (i == null) {
            throw new IOException("no interface holds " + side.local().getHostAddress());
        }
        byte[] mac = i.getHardwareAddress();
        if (mac == null || mac.length != 6 || i.isLoopback()) {
            throw new IOException(i.getName() + " has no Ethernet address");
        }
        return i;
    }

    private static Interface face(NetworkInterface i) throws IOException {
        long bits = 0;
        for (byte x : i.getHardwareAddress()) {
            bits = bits << 8 | (x & 0xFF);
        }
        return new Interface(i.getIndex(), bits, i.getMTU());
    }

    /**
     * Makes the maps and loads the program as {@link #open} does, for the interfaces given, without attaching it or
     * following next hops ({@link #nextHop} sets them): {@link #run} then shows what it does to a frame.
     *
     * @throws IllegalArgumentException naming the value and the rule: both sides at the same address and port,
     *     {@code maxMacs} not 1..{@value DecapOffload#MAX_SOURCES}, an interface index not positive, an MTU below 50
     * @throws IOException naming the kernel's refusal
     */
    public static StitchOffload load(Side a, Interface ia, Side b, Interface ib, int maxMacs) throws IOException {
        if (a.local().equals(b.local()) && a.port() == b.port()) {
            throw new IllegalArgumentException("sides: both " + a.local().getHostAddress() + ":" + a.port()
                    + " (expected: two VTEPs, at different addresses or ports)");
        }
        if (maxMacs < 1 || maxMacs > DecapOffload.MAX_SOURCES) {
            throw new IllegalArgumentException(
                    "maxMacs: " + maxMacs + " (expected: 1.." + DecapOffload.MAX_SOURCES + ")");
        }
        StitchOffload o = new StitchOffload(a, b, DecapOffload.possibleCpus());
        try {
            int key = DecapOffload.SOURCE_KEY;
            for (int s = 0; s < 2; s++) {
                o.remoteMap[s] = Bpf.createMap(Bpf.BPF_MAP_TYPE_HASH, key, 8, maxMacs, Bpf.BPF_F_NO_PREALLOC);
                o.localMap[s] = Bpf.createMap(Bpf.BPF_MAP_TYPE_HASH, key, 4, maxMacs, Bpf.BPF_F_NO_PREALLOC);
                o.hopMap[s] = Bpf.createMap(Bpf.BPF_MAP_TYPE_HASH, 4, 8, HopWatch.MAX_REMOTES, 0);
            }
            o.statsMap = Bpf.createMap(Bpf.BPF_MAP_TYPE_PERCPU_ARRAY, 4, ProgramCounters.VALUE, 2, 0);
            o.deviceMap = Bpf.createMap(Bpf.BPF_MAP_TYPE_DEVMAP, 4, 4, 2, 0);
            o.ifindex[0] = ia.ifindex();
            o.ifindex[1] = ib.ifindex();
            for (int s = 0; s < 2; s++) {
                if (o.ifindex[s] <= 0) {
                    throw new IllegalArgumentException("ifindex: " + o.ifindex[s] + " (expected: > 0)");
                }
                Bpf.updateElement(
                        o.deviceMap, DecapOffload.littleEndianInt(s), DecapOffload.littleEndianInt(o.ifindex[s]));
            }
            BpfProgram.StitchSide sa = new BpfProgram.StitchSide(
                    a.local().hashCode(),
                    a.port(),
                    a.vni(),
                    ia.mac(),
                    ia.ifindex(),
                    ia.mtu(),
                    o.remoteMap[0],
                    o.localMap[0],
                    o.hopMap[0],
                    0);
            BpfProgram.StitchSide sb = new BpfProgram.StitchSide(
                    b.local().hashCode(),
                    b.port(),
                    b.vni(),
                    ib.mac(),
                    ib.ifindex(),
                    ib.mtu(),
                    o.remoteMap[1],
                    o.localMap[1],
                    o.hopMap[1],
                    1);
            o.progFd = Bpf.loadXdp(BpfProgram.relayStitched(sa, sb, o.statsMap, o.deviceMap), "vtep4j_stitch");
            return o;
        } catch (IOException | RuntimeException e) {
            o.close();
            throw e;
        }
    }

    /**
     * Keeps each side's interface in the program's device map while it is administratively up, and out of it while it
     * is down: the kernel would drop a packet redirected to an interface that is down after the program counted it,
     * where the VTEPs count what they cannot send. The watch thread calls this every
     * {@value DecapOffload#WATCH_MILLIS} ms. An interface that goes away leaves the map by itself (the kernel empties
     * the slot) and stays out: one created again is not the one the program was built for. The kernel's link table is
     * asked outside the lock.
     *
     * @return true if the map changed
     */
    public boolean followInterfaces() {
        boolean changed = false;
        for (int s = 0; s < 2; s++) {
            int up = LinkKind.up(ifindex[s]);
            if (up < 0) {
                continue; // gone (out of the map already), or no answer: asked again next time
            }
            synchronized (this) {
                if (deviceMap < 0) {
                    return changed;
                }
                changed |= InterfaceWatch.holdDevice(deviceMap, s, up == 1 ? ifindex[s] : 0);
            }
        }
        return changed;
    }

    /** One line: the two sides and where the program runs. */
    public String describe() {
        return describe;
    }

    /** What the program does to {@code frame}, as {@link DecapOffload#run}. */
    public synchronized DecapOffload.Verdict run(byte[] frame) throws IOException {
        if (progFd < 0) {
            throw new IllegalStateException("closed");
        }
        return DecapOffload.testRun(progFd, frame);
    }

    /**
     * The maps of side A ({@code true}) or B as a target for that VTEP's table events: a MAC at a remote, a MAC on
     * the stitch port (a VTEP stitched here has no other local port), a MAC gone; the marks; clearing.
     */
    public OffloadSources.Target side(boolean sideA) {
        int s = sideA ? 0 : 1;
        int vni = sideA ? a.vni() : b.vni();
        return new OffloadSources.Target() {
            @Override
            public void learned(int v, long mac, InetAddress remote) {
                if (v == vni) {
                    learnedRemote(s, mac, remote);
                }
            }

            @Override
            public void learnedLocal(int v, long mac) {
                if (v == vni) {
                    StitchOffload.this.learnedLocal(s, mac);
                }
            }

            @Override
            public void forget(int v, long mac) {
                if (v == vni) {
                    StitchOffload.this.forget(s, mac);
                }
            }

            @Override
            public boolean seen(int v, long mac) {
                return v == vni && StitchOffload.this.seen(s, mac);
            }

            @Override
            public void clear() {
                DecapOffload.clearMap(StitchOffload.this, () -> remoteMap[s]);
                DecapOffload.clearMap(StitchOffload.this, () -> localMap[s]);
                synchronized (StitchOffload.this) {
                    if (hops[s] != null && hopMap[s] >= 0) {
                        maps.releaseAll(hops[s], hopMap[s]);
                    }
                }
            }
        };
    }

    private int vni(int s) {
        return s == 0 ? a.vni() : b.vni();
    }

    private synchronized void learnedRemote(int s, long mac, InetAddress remote) {
        if (remoteMap[s] < 0) {
            return;
        }
        byte[] key = DecapOffload.sourceKey(vni(s), mac);
        maps.delete(localMap[s], key);
        byte[] value = remote instanceof Inet4Address ? Arrays.copyOf(remote.getAddress(), 8) : null;
        maps.placeRemote(remoteMap[s], 8, hopMap[s], key, value, hops[s]);
    }

    private synchronized void learnedLocal(int s, long mac) {
        if (localMap[s] < 0) {
            return;
        }
        byte[] key = DecapOffload.sourceKey(vni(s), mac);
        maps.placeRemote(remoteMap[s], 8, hopMap[s], key, null, hops[s]);
        if (!maps.put(localMap[s], key, new byte[4])) {
            maps.delete(localMap[s], key);
        }
    }

    private synchronized void forget(int s, long mac) {
        if (localMap[s] < 0) {
            return;
        }
        byte[] key = DecapOffload.sourceKey(vni(s), mac);
        maps.delete(localMap[s], key);
        maps.placeRemote(remoteMap[s], 8, hopMap[s], key, null, hops[s]);
    }

    private synchronized boolean seen(int s, long mac) {
        byte[] key = DecapOffload.sourceKey(vni(s), mac);
        return DecapOffload.marked(remoteMap[s], key, 8, 4) || DecapOffload.marked(localMap[s], key, 4, 0);
    }

    /**
     * Sets the Ethernet address (low 48 bits) of the next hop towards {@code address}, a remote of side A
     * ({@code true}) or B, or removes it ({@code mac} < 0): packets to that remote then go through the VTEP.
     *
     * @param address an IPv4 address, network order in the int
     */
    public synchronized void nextHop(boolean sideA, int address, long mac) {
        int s = sideA ? 0 : 1;
        if (hopMap[s] >= 0) {
            // an answer the resolver had under way for a remote no MAC is at any more is not kept
            maps.nextHop(hopMap[s], address, hops[s] != null && !hops[s].follows(address) ? -1 : mac);
        }
    }

    /**
     * Hands {@code onA} each MAC the program relayed frames from, as side A's tables hold it (a remote of A, or A's
     * stitch port), since the last call, and {@code onB} likewise for B, clearing the marks; the owner restarts those
     * entries' age where its tables still have them ({@link io.vtep4j.learning.ForwardingTable#refresh}). Returns how
     * many were handed on.
     */
    public int refreshHits(DecapOffload.Seen onA, DecapOffload.Seen onB) {
        int n = 0;
        for (int s = 0; s < 2; s++) {
            int side = s;
            DecapOffload.Seen to = s == 0 ? onA : onB;
            n += DecapOffload.walkHits(this, () -> remoteMap[side], 8, 4, to);
            n += DecapOffload.walkHits(this, () -> localMap[side], 4, 0, to);
        }
        return n;
    }

    /** Entries the maps refused (full), or remotes beyond the next-hop limit; those MACs stay on the VTEPs' path. */
    public synchronized long refused() {
        return maps.refused();
    }

    /** Packets relayed out of side A ({@code true}: from B's overlay into A's) or B so far. */
    public synchronized long frames(boolean outOfA) {
        ProgramCounters c = outOfA ? toA : toB;
        c.read(statsMap);
        return c.frames();
    }

    /** Bytes of those packets, as sent. */
    public synchronized long bytes(boolean outOfA) {
        ProgramCounters c = outOfA ? toA : toB;
        c.read(statsMap);
        return c.bytes();
    }

    /** Detaches the program, stops the next-hop threads, frees the program and the maps; keeps the last totals. */
    @Override
    public void close() {
        DecapOffload.stop(watcher);
        for (HopWatch h : hops) {
            if (h != null) {
                h.close();
            }
        }
        closeDescriptors();
    }

    private synchronized void closeDescriptors() {
        for (int i = 0; i < 2; i++) {
            if (links[i] >= 0) {
                LibC.close(links[i]);
                links[i] = -1;
            }
        }
        toA.read(statsMap);
        toB.read(statsMap);
        int[] fds = {
            progFd, statsMap, deviceMap, remoteMap[0], remoteMap[1], localMap[0], localMap[1], hopMap[0], hopMap[1]
        };
        for (int fd : fds) {
            if (fd >= 0) {
                LibC.close(fd);
            }
        }
        progFd = -1;
        statsMap = -1;
        deviceMap = -1;
        Arrays.fill(remoteMap, -1);
        Arrays.fill(localMap, -1);
        Arrays.fill(hopMap, -1);
    }
}
