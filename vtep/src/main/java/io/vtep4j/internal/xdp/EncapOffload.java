package io.vtep4j.internal.xdp;

import io.vtep4j.XdpMode;
import io.vtep4j.internal.libc.LibC;
import io.vtep4j.internal.netlink.LinkKind;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;

/**
 * VXLAN encapsulation in the kernel for a VLAN gateway's trunk-to-overlay direction: an XDP program on the trunk
 * interface ({@link BpfProgram#encapsulateToUnderlay}) turns each tagged frame the engine would only tunnel to a
 * known remote into that VXLAN packet, and redirects it to the underlay interface. Everything else (floods, unknown
 * destinations, ARP and IPv6, sources the engine has not learned on the trunk, frames too big for the tunnel,
 * untagged frames, next hops not resolved yet) reaches the engine as before, through the trunk socket.
 *
 * <p>The engine stays the authority, as for {@link DecapOffload}: the owner fills the program's maps from the
 * forwarding table's events ({@link #learnedLocal}, {@link #learnedRemote}, {@link #forget}). A background thread
 * keeps the Ethernet address of each remote's next hop from the kernel's route and neighbour tables, looking again
 * every {@value #HOP_REFRESH_MILLIS} ms; a remote whose next hop the kernel has not resolved has no entry, so its
 * frames go through the engine and the kernel's socket, which resolve it. The program marks each trunk source it
 * forwards from, and the owner collects the marks ({@link #refreshHits}) to refresh those entries' age.
 *
 * <p>Bounds: at most {@code maxMacs} trunk sources and as many remote MACs (entries allocated as added), at most
 * {@value #MAX_REMOTES} remote VTEPs with next hops, each followed while a remote MAC of the maps is at it (so
 * remotes a sender made up leave with their MACs); what a full map refuses stays on the engine's path and is
 * counted ({@link #refused}). The packet it builds has the engine's default outer header (DSCP 0, TTL 64, DF, UDP
 * checksum 0), so the owner uses it only with those settings.
 *
 * <p>A watch thread follows both interfaces every {@value DecapOffload#WATCH_MILLIS} ms. The underlay leaves the
 * program's device map while it is administratively down ({@link #followUnderlay}): its frames then reach the
 * engine, which counts what it cannot send. Once the underlay is deleted and another interface holds the local
 * address, the program sends there, rebuilt for that interface's MAC and MTU where they differ. (A link that is up without a carrier, a veth whose peer is down, still
 * takes the program's packets and drops them, as it drops the engine's.) The trunk is named, not numbered: when its
 * interface is deleted the kernel detaches the program with it, and the thread attaches the program to the interface
 * of that name once it is back ({@link #followTrunk}); meanwhile frames reach the engine through the trunk socket.
 *
 * <p>Thread-safe: the maps are changed and read under one lock, which {@link #close} also takes.
 */
public final class EncapOffload implements AutoCloseable {
    /** The most remote VTEPs whose next hops are kept. */
    public static final int MAX_REMOTES = HopWatch.MAX_REMOTES;

    /** How often the next hops are looked up again. */
    static final int HOP_REFRESH_MILLIS = HopWatch.REFRESH_MILLIS;

    private final ProgramCounters counters;
    private int vlanMap = -1;
    private int localMap = -1;
    private int remoteMap = -1;
    private int hopMap = -1;
    private int statsMap = -1;
    /** The underlay's one-slot device map: holds {@link #underlayIndex} while that interface is up. */
    private int underlayMap = -1;

    private int underlayIndex;
    private InetAddress local;
    private int port;
    private long underlayMac;
    private int underlayMtu;
    private long underlayFollowed;
    private long rebuilt;
    /** Whether the local address moved off the underlay, which stays; used inside {@link #rounds}. */
    private final AddressMove move = new AddressMove();
    /** Loads its programs; one the kernel refused is not built again, unchanged, on every round. */
    private final ProgramLoads loads = new ProgramLoads("vtep4j_encap");

    private int progFd = -1;
    private int linkFd = -1;
    private volatile String describe = "not attached";
    private String trunk;
    private XdpMode mode;
    private long reattached;
    private String attachProblem;
    /** Why following the underlay fails now (no Ethernet address, too small an MTU, the kernel's refusal), or null. */
    private String underlayProblem;

    private Thread watcher;
    /**
     * Taken for each round of following the interfaces (the watch thread's, or a direct call's), before this object's
     * own lock: a round applies what it read of an interface before another round reads it again.
     */
    private final Object rounds = new Object();

    private volatile HopWatch hops;
    private final MapWriter maps = new MapWriter();

    private EncapOffload(int cpus) {
        this.counters = new ProgramCounters(cpus);
    }

    /**
     * Loads the program for the VLANs of {@code vniByVlan} (each to its VNI), sending from {@code local} to UDP port
     * {@code port}, and attaches it to interface {@code trunk} in {@code mode} ({@link XdpMode#AUTO}: generic on a
     * veth); next hops are looked up through the interface that holds {@code local}.
     *
     * @throws IllegalArgumentException naming the value and the rule, as {@link #load}
     * @throws IOException naming what failed: no such interface, no Ethernet address, the kernel's refusal
     */
    public static EncapOffload open(
            InetAddress local, int port, String trunk, Map<Integer, Integer> vniByVlan, int maxMacs, XdpMode mode)
            throws IOException {
        if (!(local instanceof Inet4Address)) {
            throw new IllegalArgumentException(
                    "local: " + (local == null ? null : local.getHostAddress()) + " (expected: an IPv4 address)");
        }
        UnderlayInterface underlay = UnderlayInterface.of(local);
        int trunkIndex = DecapOffload.indexOf(trunk);
        if (trunkIndex <= 0) {
            throw new IOException("no interface named " + trunk);
        }
        EncapOffload offload = load(local, port, underlay.mac(), underlay.index(), underlay.mtu(), vniByVlan, maxMacs);
        try {
            XdpAttachment.Link link = XdpAttachment.link(offload.progFd, trunkIndex, mode, LinkKind.of(trunkIndex));
            offload.linkFd = link.fd();
            offload.trunk = trunk;
            offload.mode = mode;
            StringBuilder vlans = new StringBuilder();
            new TreeMap<>(vniByVlan)
                    .forEach((vlan, vni) -> vlans.append(vlans.length() == 0 ? "" : ", ")
                            .append("VLAN ")
                            .append(vlan)
                            .append(" -> ")
                            .append(vni));
            offload.describe = "frames on " + trunk + " encapsulated in " + link.mode() + " XDP, to " + underlay.name()
                    + " from " + local.getHostAddress() + " port " + port + " (" + vlans + "; frames up to "
                    + (underlay.mtu() - 32) + " bytes tagged)";
            offload.hops = HopWatch.start(underlay.index(), offload::nextHop, "vtep4j-encap-nexthops");
            offload.watcher = InterfaceWatch.start("vtep4j-encap-trunk-" + trunk, offload::follow, offload::failed);
            return offload;
        } catch (IOException | RuntimeException e) {
            offload.close();
            throw e;
        }
    }

    /**
     * Makes the maps and loads the program as {@link #open} does, for an underlay interface of index
     * {@code underlayIfindex} (which must exist: it goes in the program's device map), MAC {@code mac} (low 48 bits)
     * and MTU {@code mtu}, without attaching the program anywhere or looking up next hops ({@link #nextHop} sets
     * them): {@link #run} then shows what it does to a frame.
     *
     * @throws IllegalArgumentException naming the value and the rule: {@code local} not IPv4, the port, a VLAN id or
     *     VNI out of range, no VLANs or more than {@value DecapOffload#MAX_VNIS}, {@code maxMacs} not
     *     1..{@value DecapOffload#MAX_SOURCES}, an MTU below 74, an interface index not positive
     * @throws IOException naming the kernel's refusal
     */
    public static EncapOffload load(
            InetAddress local,
            int port,
            long mac,
            int underlayIfindex,
            int mtu,
            Map<Integer, Integer> vniByVlan,
            int maxMacs)
            throws IOException {
        if (!(local instanceof Inet4Address)) {
            throw new IllegalArgumentException(
                    "local: " + (local == null ? null : local.getHostAddress()) + " (expected: an IPv4 address)");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
        }
        if (vniByVlan.isEmpty() || vniByVlan.size() > DecapOffload.MAX_VNIS) {
            throw new IllegalArgumentException(
                    "vniByVlan: " + vniByVlan.size() + " VLANs (expected: 1.." + DecapOffload.MAX_VNIS + ")");
        }
        for (Map.Entry<Integer, Integer> e : vniByVlan.entrySet()) {
            if (e.getKey() < 1 || e.getKey() > 4094) {
                throw new IllegalArgumentException("VLAN: " + e.getKey() + " (expected: 1..4094)");
            }
            if (e.getValue() < 0 || e.getValue() > 0xFFFFFF) {
                throw new IllegalArgumentException(
                        "VNI of VLAN " + e.getKey() + ": " + e.getValue() + " (expected: 0..16777215)");
            }
        }
        if (maxMacs < 1 || maxMacs > DecapOffload.MAX_SOURCES) {
            throw new IllegalArgumentException(
                    "maxMacs: " + maxMacs + " (expected: 1.." + DecapOffload.MAX_SOURCES + ")");
        }
        if (underlayIfindex <= 0) {
            throw new IllegalArgumentException("underlayIfindex: " + underlayIfindex + " (expected: > 0)");
        }
        int maxFrame = mtu - 32;
        if (maxFrame < BpfProgram.ENCAP_MIN_LENGTH) {
            throw new IllegalArgumentException(
                    "mtu: " + mtu + " (expected: >= " + (BpfProgram.ENCAP_MIN_LENGTH + 32) + ")");
        }
        EncapOffload offload = new EncapOffload(DecapOffload.possibleCpus());
        try {
            offload.vlanMap = Bpf.createMap(Bpf.BPF_MAP_TYPE_HASH, 4, 4, DecapOffload.MAX_VNIS, 0);
            int key = DecapOffload.SOURCE_KEY;
            offload.localMap = Bpf.createMap(Bpf.BPF_MAP_TYPE_HASH, key, 4, maxMacs, Bpf.BPF_F_NO_PREALLOC);
            offload.remoteMap = Bpf.createMap(Bpf.BPF_MAP_TYPE_HASH, key, 4, maxMacs, Bpf.BPF_F_NO_PREALLOC);
            offload.hopMap = Bpf.createMap(Bpf.BPF_MAP_TYPE_HASH, 4, 8, MAX_REMOTES, 0);
            offload.statsMap = Bpf.createMap(Bpf.BPF_MAP_TYPE_PERCPU_ARRAY, 4, ProgramCounters.VALUE, 1, 0);
            offload.underlayMap = Bpf.createMap(Bpf.BPF_MAP_TYPE_DEVMAP, 4, 4, 1, 0);
            Bpf.updateElement(offload.underlayMap, new byte[4], DecapOffload.littleEndianInt(underlayIfindex));
            offload.underlayIndex = underlayIfindex;
            for (Map.Entry<Integer, Integer> e : vniByVlan.entrySet()) {
                int vid = e.getKey();
                Bpf.updateElement(
                        offload.vlanMap,
                        new byte[] {(byte) (vid >>> 8), (byte) vid, 0, 0},
                        DecapOffload.vniKey(e.getValue()));
            }
            offload.local = local;
            offload.port = port;
            offload.progFd = offload.loadProgram(mac, mtu);
            offload.underlayMac = mac;
            offload.underlayMtu = mtu;
            return offload;
        } catch (IOException | RuntimeException e) {
            offload.close();
            throw e;
        }
    }

    /** The program for an underlay of MAC {@code mac} and MTU {@code mtu}, over this offload's maps. */
    private int loadProgram(long mac, int mtu) throws IOException {
        return loads.load(BpfProgram.encapsulateToUnderlay(
                vlanMap, localMap, remoteMap, hopMap, statsMap, underlayMap, local.hashCode(), port, mac, mtu - 32));
    }

    /** One line: the trunk, the mode, the underlay and the VLANs. */
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

    /** The engine learned (or moved) {@code mac} in {@code vni} on the trunk: frames from it may be encapsulated. */
    public synchronized void learnedLocal(int vni, long mac) {
        if (localMap < 0) {
            return;
        }
        byte[] key = DecapOffload.sourceKey(vni, mac);
        maps.placeRemote(remoteMap, 4, hopMap, key, null, hops);
        maps.put(localMap, key, new byte[4]); // the program marks it when it forwards a frame from there
    }

    /**
     * The engine learned (or moved) {@code mac} in {@code vni} at remote {@code remote}: frames to it may be
     * encapsulated once the remote's next hop is known. A remote that is not IPv4 removes the MAC instead.
     */
    public synchronized void learnedRemote(int vni, long mac, InetAddress remote) {
        if (localMap < 0) {
            return;
        }
        byte[] key = DecapOffload.sourceKey(vni, mac);
        maps.delete(localMap, key);
        maps.placeRemote(remoteMap, 4, hopMap, key, remote instanceof Inet4Address ? remote.getAddress() : null, hops);
    }

    /** The engine no longer has {@code mac} in {@code vni}: frames from or to it go to the engine again. */
    public synchronized void forget(int vni, long mac) {
        if (localMap < 0) {
            return;
        }
        byte[] key = DecapOffload.sourceKey(vni, mac);
        maps.delete(localMap, key);
        maps.placeRemote(remoteMap, 4, hopMap, key, null, hops);
    }

    /**
     * Sets the Ethernet address of remote {@code address}'s next hop (low 48 bits), or removes it ({@code mac} < 0):
     * its frames then go to the engine.
     *
     * @param address an IPv4 address, network order in the int
     */
    public synchronized void nextHop(int address, long mac) {
        HopWatch watch = hops;
        if (hopMap >= 0) {
            // an answer the resolver had under way for a remote no MAC is at any more is not kept
            maps.nextHop(hopMap, address, watch != null && !watch.follows(address) ? -1 : mac);
        }
    }

    /** As {@link DecapOffload#refreshHits}: the trunk sources the program has forwarded frames from. */
    public int refreshHits(DecapOffload.Seen seen) {
        return DecapOffload.walkHits(this, () -> localMap, 4, 0, seen);
    }

    /** Removes every trunk source and remote destination: their frames go to the engine until handed on again. */
    public void clear() {
        DecapOffload.clearMap(this, () -> localMap);
        DecapOffload.clearMap(this, () -> remoteMap);
        synchronized (this) {
            HopWatch watch = hops;
            if (watch != null && hopMap >= 0) {
                maps.releaseAll(watch, hopMap);
            }
        }
    }

    /** As {@link DecapOffload#seen}: the program has forwarded frames from trunk source {@code mac} since the last walk. */
    public synchronized boolean seen(int vni, long mac) {
        return DecapOffload.marked(localMap, DecapOffload.sourceKey(vni, mac), 4, 0);
    }

    /** Entries the maps refused (full) or failed to change; those MACs stay on the engine's path. */
    public synchronized long refused() {
        return maps.refused();
    }

    /** Frames encapsulated and redirected to the underlay so far (the last total once closed). */
    public synchronized long frames() {
        counters.read(statsMap);
        return counters.frames();
    }

    /** Bytes of those packets as sent (outer headers included). */
    public synchronized long bytes() {
        counters.read(statsMap);
        return counters.bytes();
    }

    /**
     * Attaches the program to the interface now named as the trunk when it is not attached there: the kernel
     * detached it (the interface was deleted, or left the namespace), or the name now belongs to another interface.
     * The watch thread calls this every {@value DecapOffload#WATCH_MILLIS} ms. While no interface has the name, or the
     * kernel refuses the attachment ({@link #attachProblem}), the trunk's frames reach the engine through its socket,
     * and the next call tries again. The kernel is asked outside the lock, which the table's changes take.
     *
     * @return true if the program was attached to a new interface; false if nothing changed, or not yet
     */
    public boolean followTrunk() {
        synchronized (rounds) {
            return followTrunkRound();
        }
    }

    /** {@link #followTrunk}, inside a round. */
    private boolean followTrunkRound() {
        int link;
        synchronized (this) {
            if (progFd < 0 || trunk == null) {
                return false;
            }
            link = linkFd;
        }
        int now = DecapOffload.indexOf(trunk);
        int attached;
        try {
            attached = link < 0 ? 0 : Bpf.linkIfindex(link);
        } catch (IOException e) {
            return false; // asked again next time
        }
        if (now <= 0) {
            synchronized (this) {
                attachProblem = null; // no interface of the name: nothing refused, nothing to do
            }
            return false;
        }
        if (attached == now) {
            return false;
        }
        String kind = LinkKind.of(now);
        synchronized (this) {
            if (progFd < 0 || linkFd != link) {
                return false; // closed, or changed meanwhile
            }
            XdpAttachment.Link fresh;
            try {
                fresh = XdpAttachment.link(progFd, now, mode, kind);
            } catch (IOException e) {
                attachProblem = trunk + " (index " + now + "): " + e.getMessage();
                return false;
            }
            if (linkFd >= 0) {
                LibC.close(linkFd); // the old link, detached or on an interface that lost the name
            }
            linkFd = fresh.fd();
            attachProblem = null;
            reattached++;
            describe = describe.replaceFirst("encapsulated in \\w+ XDP", "encapsulated in " + fresh.mode() + " XDP");
            return true;
        }
    }

    /**
     * Keeps the underlay interface in the program's device map while it is administratively up, and out of it while
     * it is down: the kernel would drop a packet redirected to an interface that is down after the program counted
     * it, where the engine counts what it cannot send. The watch thread calls this every
     * {@value DecapOffload#WATCH_MILLIS} ms. An underlay that goes away leaves the map by itself (the kernel empties
     * the slot); once another interface holds the local address (the underlay recreated, or the address moved; a move
     * from an interface that stays is looked for every {@value AddressMove#LOOK_EVERY} rounds, and that
     * interface leaves the map until the program follows the address), the program follows it ({@link #underlayFollowed}): next hops are looked up through the new interface, those known
     * through the old one are forgotten first (their frames reach the engine meanwhile), and where the new interface
     * has another MAC or MTU a program built for them takes the old one's place on the trunk in one step. An underlay
     * whose MAC or MTU changes while it stays gets such a program too ({@link #rebuilt}). The kernel is asked outside
     * the lock.
     *
     * @return true if the map or the program changed
     */
    public boolean followUnderlay() {
        synchronized (rounds) {
            return followUnderlayRound();
        }
    }

    /** {@link #followUnderlay}, inside a round. */
    private boolean followUnderlayRound() {
        int index;
        InetAddress address;
        synchronized (this) {
            if (underlayMap < 0) {
                return false;
            }
            index = underlayIndex;
            address = local;
        }
        LinkKind.State state = LinkKind.state(index);
        if (state != null) {
            if (!move.moved(address, index)) {
                return followInPlace(index, state);
            }
        }
        if (followTo(index, address)) {
            move.followed();
            return true;
        }
        if (state != null && !move.elsewhere()) {
            return followInPlace(index, state); // the address is back on this interface
        }
        if (state != null) { // the address left this interface, which stays: the program must not send from it
            synchronized (this) {
                return underlayMap >= 0 && underlayIndex == index && InterfaceWatch.holdDevice(underlayMap, 0, 0);
            }
        }
        return false;
    }

    /**
     * {@link #followUnderlay} once interface {@code index} is gone (the kernel emptied the slot), there is no answer
     * about it, or {@code address} moved from it: follows the interface that holds the address now, if any.
     *
     * @return true if the program followed it
     */
    private boolean followTo(int index, InetAddress address) {
        UnderlayInterface now;
        try {
            now = UnderlayInterface.holding(address);
        } catch (IOException e) {
            synchronized (this) {
                underlayProblem = "underlay: " + e.getMessage();
            }
            return false;
        }
        if (now == null || now.index() == index) {
            synchronized (this) {
                underlayProblem = null; // nothing holds the address (or no answer): nothing refused
            }
            if (now != null) {
                move.followed(); // the address is on interface index again
            }
            return false;
        }
        int fresh = now.index();
        long mac = now.mac();
        int mtu = now.mtu();
        int freshUp = LinkKind.up(fresh);
        synchronized (this) {
            if (underlayMap < 0 || underlayIndex != index) {
                return false; // closed, or followed meanwhile
            }
            if (mtu - 32 < BpfProgram.ENCAP_MIN_LENGTH) {
                underlayProblem = "underlay " + now.name() + ": MTU " + mtu + " (expected: >= "
                        + (BpfProgram.ENCAP_MIN_LENGTH + 32) + ")";
                return false;
            }
            if (mac != underlayMac || mtu != underlayMtu) {
                try {
                    replaceProgram(loadProgram(mac, mtu));
                } catch (IOException e) {
                    underlayProblem = "underlay " + now.name() + ": " + e.getMessage();
                    return false;
                }
                underlayMac = mac;
                underlayMtu = mtu;
            }
            maps.moveHops(hopMap, hops, fresh);
            underlayIndex = fresh;
            InterfaceWatch.holdDevice(underlayMap, 0, freshUp == 1 ? fresh : 0);
            underlayFollowed++;
            underlayProblem = null;
            describe = describe.replaceFirst(
                            " XDP, to \\S+ from ", " XDP, to " + Matcher.quoteReplacement(now.name()) + " from ")
                    .replaceFirst("frames up to \\d+ bytes", "frames up to " + (mtu - 32) + " bytes");
            return true;
        }
    }

    /**
     * {@link #followUnderlay} for an underlay that stays (interface {@code index}, now as {@code state}): where its
     * MAC or MTU changed, a program built for them takes the old one's place ({@link #rebuilt}); where the new values
     * do not do for the tunnel (no Ethernet address, an MTU too small), or the kernel refuses that program, the
     * underlay leaves the device map, so that every frame goes to the engine until they do, and {@link #attachProblem}
     * says why.
     */
    private boolean followInPlace(int index, LinkKind.State state) {
        String name;
        boolean changed;
        synchronized (this) {
            changed = state.mac() != underlayMac || (state.mtu() > 0 && state.mtu() != underlayMtu);
        }
        name = changed ? UnderlayInterface.nameOf(index) : "index " + index; // outside the lock: it asks the kernel
        synchronized (this) {
            if (underlayMap < 0 || underlayIndex != index) {
                return false; // closed, or followed meanwhile
            }
            int mtu = state.mtu() > 0 ? state.mtu() : underlayMtu;
            boolean replaced = false;
            if (state.mac() != underlayMac || mtu != underlayMtu) {
                String problem = null;
                if (state.mac() < 0) {
                    problem = "underlay " + name + " has no Ethernet address";
                } else if (mtu - 32 < BpfProgram.ENCAP_MIN_LENGTH) {
                    problem = "underlay " + name + ": MTU " + mtu + " (expected: >= "
                            + (BpfProgram.ENCAP_MIN_LENGTH + 32) + ")";
                } else {
                    try {
                        replaceProgram(loadProgram(state.mac(), mtu));
                    } catch (IOException e) {
                        problem = "underlay " + name + ": " + e.getMessage();
                    }
                }
                if (problem != null) {
                    underlayProblem = problem;
                    // only a raised MTU leaves the program as it is safe to use: it sends shorter packets
                    boolean fits = state.mac() == underlayMac && mtu > underlayMtu && state.up() == 1;
                    return InterfaceWatch.holdDevice(underlayMap, 0, fits ? index : 0);
                }
                underlayMac = state.mac();
                underlayMtu = mtu;
                rebuilt++;
                replaced = true;
                describe = describe.replaceFirst("frames up to \\d+ bytes", "frames up to " + (mtu - 32) + " bytes");
            }
            underlayProblem = null;
            return InterfaceWatch.holdDevice(underlayMap, 0, state.up() == 1 ? index : 0) || replaced;
        }
    }

    /**
     * Puts {@code fresh} in the place of the current program: on the trunk's link in one step where it is attached
     * (else {@link #followTrunk} attaches the new one), and frees the old. On failure frees {@code fresh} and throws.
     */
    private void replaceProgram(int fresh) throws IOException {
        XdpAttachment.replaceOn(linkFd, fresh);
        LibC.close(progFd);
        progFd = fresh;
    }

    /** Times the program followed the local address to another interface ({@link #followUnderlay}). */
    public synchronized long underlayFollowed() {
        return underlayFollowed;
    }

    /**
     * Times a program was built again for the underlay's MAC or MTU changed on the interface it stays on
     * ({@link #followUnderlay}).
     */
    public synchronized long rebuilt() {
        return rebuilt;
    }

    /** Times the program was attached to a recreated trunk interface ({@link #followTrunk}). */
    public synchronized long reattached() {
        return reattached;
    }

    /**
     * Why the program is not where it should be: the last attempt to attach it to a recreated trunk failed (null once
     * one succeeds), or following the underlay fails now (a recreated one, or one whose MAC or MTU changed: the
     * kernel's refusal, no Ethernet address, an MTU too small); both, joined by "; "; null when neither.
     */
    public synchronized String attachProblem() {
        return DecapOffload.joined(attachProblem, underlayProblem);
    }

    /** One round of the watch thread: {@link #followTrunk}, {@link #followUnderlay}. */
    private void follow() {
        followTrunk();
        followUnderlay();
    }

    /** A round that failed in an unforeseen way: shown by {@link #attachProblem} until an attachment succeeds. */
    private synchronized void failed(RuntimeException e) {
        attachProblem = "following " + trunk + ": " + e;
    }

    /** Detaches the program, stops the resolver, frees the program and the maps; keeps the last totals. */
    @Override
    public void close() {
        DecapOffload.stop(watcher);
        HopWatch watch = hops;
        if (watch != null) {
            watch.close();
        }
        closeDescriptors();
    }

    private synchronized void closeDescriptors() {
        if (linkFd >= 0) {
            LibC.close(linkFd);
            linkFd = -1;
        }
        counters.read(statsMap);
        for (int fd : new int[] {progFd, vlanMap, localMap, remoteMap, hopMap, statsMap, underlayMap}) {
            if (fd >= 0) {
                LibC.close(fd);
            }
        }
        progFd = -1;
        vlanMap = -1;
        localMap = -1;
        remoteMap = -1;
        hopMap = -1;
        statsMap = -1;
        underlayMap = -1;
    }
}
