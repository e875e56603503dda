package io.vtep4j.internal.xdp;

import io.vtep4j.XdpMode;
import io.vtep4j.internal.libc.LibC;
import io.vtep4j.internal.netlink.LinkKind;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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
 * so the owner uses it only with those settings, with VXLAN on IPv4 underlays. Each interface's MAC and MTU are read
 * when the program is built; where either changes later, a program built for the new values takes the old one's place
 * ({@link #rebuilt}). While a side's interface is administratively down,
 * the program leaves the packets it would send there to the VTEPs ({@link #followInterfaces}); once a side's
 * interface is deleted and another holds its address, the program follows it there.
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

    /** Each side's interface as the program was built for it, and where it is attached ("eth0 (generic XDP)"). */
    private final Interface[] faces = new Interface[2];

    private final String[] where = new String[2];
    private XdpMode mode;
    private long followed;
    private long rebuilt;
    /** Per side: whether its address moved off its interface, which stays; used inside {@link #rounds}. */
    private final AddressMove[] move = {new AddressMove(), new AddressMove()};
    /** Loads its programs; one the kernel refused is not built again, unchanged, on every round. */
    private final ProgramLoads loads = new ProgramLoads("vtep4j_stitch");

    private String attachProblem;
    private Thread watcher;
    /**
     * Taken for each round of following the interfaces (the watch thread's, or a direct call's), before this object's
     * own lock: a round applies what it read of an interface before another round reads it again.
     */
    private final Object rounds = new Object();

    private int progFd = -1;
    private final int[] links = {-1, -1};
    private final HopWatch[] hops = new HopWatch[2];
    private volatile String describe = "not attached";
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
        UnderlayInterface ia = UnderlayInterface.of(a.local());
        UnderlayInterface ib = UnderlayInterface.of(b.local());
        StitchOffload offload = load(a, face(ia), b, face(ib), maxMacs);
        try {
            synchronized (offload) {
                offload.mode = mode;
                XdpAttachment.Link la = XdpAttachment.link(offload.progFd, ia.index(), mode, LinkKind.of(ia.index()));
                offload.links[0] = la.fd();
                offload.where[0] = ia.name() + " (" + la.mode() + " XDP)";
                if (ib.index() != ia.index()) {
                    XdpAttachment.Link lb =
                            XdpAttachment.link(offload.progFd, ib.index(), mode, LinkKind.of(ib.index()));
                    offload.links[1] = lb.fd();
                    offload.where[1] = ib.name() + " (" + lb.mode() + " XDP)";
                }
                offload.describeAgain();
            }
            offload.hops[0] =
                    HopWatch.start(ia.index(), (ad, mac) -> offload.nextHop(true, ad, mac), "vtep4j-stitch-hops-a");
            offload.hops[1] =
                    HopWatch.start(ib.index(), (ad, mac) -> offload.nextHop(false, ad, mac), "vtep4j-stitch-hops-b");
            offload.watcher =
                    InterfaceWatch.start("vtep4j-stitch-interfaces", offload::followInterfaces, offload::failed);
            return offload;
        } catch (IOException | RuntimeException e) {
            offload.close();
            throw e;
        }
    }

    private static Interface face(UnderlayInterface u) {
        return new Interface(u.index(), u.mac(), u.mtu());
    }

    /** The line {@link #describe} gives, from the sides and where the program is attached. */
    private void describeAgain() {
        String on = links[0] >= 0 && links[1] >= 0
                ? where[0] + " and " + where[1]
                : links[0] >= 0 ? where[0] : links[1] >= 0 ? where[1] : "no interface yet";
        describe = "VNI " + a.vni() + " at " + a.local().getHostAddress() + ":" + a.port() + " and VNI " + b.vni()
                + " at " + b.local().getHostAddress() + ":" + b.port() + " relayed on " + on;
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
            o.faces[0] = ia;
            o.faces[1] = ib;
            for (int s = 0; s < 2; s++) {
                int ifindex = o.faces[s].ifindex();
                if (ifindex <= 0) {
                    throw new IllegalArgumentException("ifindex: " + ifindex + " (expected: > 0)");
                }
                Bpf.updateElement(o.deviceMap, DecapOffload.littleEndianInt(s), DecapOffload.littleEndianInt(ifindex));
            }
            o.progFd = o.loadProgram(o.faces);
            return o;
        } catch (IOException | RuntimeException e) {
            o.close();
            throw e;
        }
    }

    /** The relaying program for interfaces {@code face} (side A's first), over this offload's maps. */
    private int loadProgram(Interface[] face) throws IOException {
        BpfProgram.StitchSide[] sides = new BpfProgram.StitchSide[2];
        for (int s = 0; s < 2; s++) {
            Side side = s == 0 ? a : b;
            sides[s] = new BpfProgram.StitchSide(
                    side.local().hashCode(),
                    side.port(),
                    side.vni(),
                    face[s].mac(),
                    face[s].ifindex(),
                    face[s].mtu(),
                    remoteMap[s],
                    localMap[s],
                    hopMap[s],
                    s);
        }
        return loads.load(BpfProgram.relayStitched(sides[0], sides[1], statsMap, deviceMap));
    }

    /**
     * Keeps each side's interface in the program's device map while it is administratively up, and out of it while it
     * is down: the kernel would drop a packet redirected to an interface that is down after the program counted it,
     * where the VTEPs count what they cannot send. The watch thread calls this every
     * {@value DecapOffload#WATCH_MILLIS} ms. An interface that goes away leaves the map by itself (the kernel empties
     * the slot, and detaches the program); once another interface holds that side's address (the interface recreated,
     * or the address moved; a move from an interface that stays is looked for every
     * {@value AddressMove#LOOK_EVERY} rounds, and the side is out of the map until followed), the program
     * follows it ({@link #followed}): it is attached there, rebuilt where the MAC or
     * MTU differs (and replaced on the other side's link in one step), and that side's next hops are forgotten and
     * looked up again through the new interface. An interface that stays but changes its MAC or MTU gets a program
     * built for the new values on every link in one step ({@link #rebuilt}); one whose new values do not do (no
     * Ethernet address, an MTU too small) leaves the map, so that the VTEPs handle its packets, until they do. The
     * kernel is asked outside the lock.
     *
     * @return true if the map changed or the program followed an interface
     */
    public boolean followInterfaces() {
        synchronized (rounds) {
            return followInterfacesRound();
        }
    }

    /** {@link #followInterfaces}, inside a round. */
    private boolean followInterfacesRound() {
        int[] index;
        synchronized (this) {
            if (deviceMap < 0) {
                return false;
            }
            index = new int[] {faces[0].ifindex(), faces[1].ifindex()};
        }
        LinkKind.State[] state = {LinkKind.state(index[0]), LinkKind.state(index[1])};
        int[] up = {state[0] == null ? -1 : state[0].up(), state[1] == null ? -1 : state[1].up()};
        boolean[] elsewhere = new boolean[2];
        for (int s = 0; s < 2; s++) {
            elsewhere[s] = up[s] >= 0 && move[s].moved((s == 0 ? a : b).local(), index[s]);
        }
        // a side to follow elsewhere: its interface is gone, or its address moved from it
        int[] lost = {elsewhere[0] ? -1 : up[0], elsewhere[1] ? -1 : up[1]};
        boolean changed;
        if (lost[0] < 0 || lost[1] < 0) {
            changed = followRecreated(index, lost);
            // a side that stays with values the program cannot use is out of the map below: say why here too
            String staying = null;
            for (int s = 0; s < 2; s++) {
                if (lost[s] >= 0 && misfit(state[s].mac(), state[s].mtu()) != null) {
                    String name = UnderlayInterface.nameOf(index[s]); // outside the lock: it asks the kernel
                    staying = DecapOffload.joined(staying, side(s, name, state[s].mac(), state[s].mtu()));
                }
            }
            if (staying != null) {
                synchronized (this) {
                    attachProblem = DecapOffload.joined(attachProblem, staying);
                }
            }
        } else {
            changed = followInPlace(index, state);
        }
        synchronized (this) {
            for (int s = 0; s < 2; s++) {
                if (deviceMap < 0 || faces[s].ifindex() != index[s]) {
                    move[s].followed(); // followed this round: in the map
                } else if (elsewhere[s] && move[s].elsewhere()) {
                    // the address left this side's interface, which stays: the program must not send from it
                    changed |= InterfaceWatch.holdDevice(deviceMap, s, 0);
                } else if (up[s] >= 0) {
                    // a side that is gone is out of the map already; one that stays is in it while up and as the
                    // program is built for it (else the program's packets for it go to the VTEPs)
                    boolean fits = state[s].mac() == faces[s].mac()
                            && (state[s].mtu() <= 0 || state[s].mtu() == faces[s].mtu());
                    changed |= InterfaceWatch.holdDevice(deviceMap, s, up[s] == 1 && fits ? index[s] : 0);
                }
            }
        }
        return changed;
    }

    /**
     * {@link #followInterfaces} while both sides' interfaces ({@code index}) stay, now as {@code state}: a program for
     * a changed MAC or MTU; sets {@link #attachProblem} for values the program cannot use, or a program the kernel
     * refuses (null when nothing is refused).
     *
     * @return true if the program was replaced
     */
    private boolean followInPlace(int[] index, LinkKind.State[] state) {
        String[] name = {"index " + index[0], "index " + index[1]};
        for (int s = 0; s < 2; s++) {
            Interface face;
            synchronized (this) {
                face = faces[s];
            }
            if (state[s].mac() != face.mac() || (state[s].mtu() > 0 && state[s].mtu() != face.mtu())) {
                name[s] = UnderlayInterface.nameOf(index[s]); // outside the lock: it asks the kernel
            }
        }
        synchronized (this) {
            if (progFd < 0 || faces[0].ifindex() != index[0] || faces[1].ifindex() != index[1]) {
                return false; // closed, or followed meanwhile
            }
            Interface[] next = faces.clone();
            String problems = null;
            for (int s = 0; s < 2; s++) {
                long mac = state[s].mac();
                int mtu = state[s].mtu() > 0 ? state[s].mtu() : faces[s].mtu();
                if (mac == faces[s].mac() && mtu == faces[s].mtu()) {
                    continue;
                }
                if (misfit(mac, mtu) == null) {
                    next[s] = new Interface(faces[s].ifindex(), mac, mtu);
                } else {
                    problems = DecapOffload.joined(problems, side(s, name[s], mac, mtu));
                }
            }
            boolean replaced = false;
            if (!Arrays.equals(next, faces)) {
                try {
                    replaceProgram(loadProgram(next));
                    System.arraycopy(next, 0, faces, 0, 2);
                    rebuilt++;
                    replaced = true;
                } catch (IOException e) {
                    String refused = "a program for the changed interfaces: " + e.getMessage();
                    problems = DecapOffload.joined(problems, refused);
                }
            }
            attachProblem = problems;
            return replaced;
        }
    }

    /**
     * Why a side cannot be relayed on an interface of MAC {@code mac} (negative: none) and MTU {@code mtu} (0: not
     * known, taken as fitting), or null if it can.
     */
    private static String misfit(long mac, int mtu) {
        if (mac < 0) {
            return "has no Ethernet address";
        }
        int least = BpfProgram.RELAY_MIN_LENGTH - 14;
        return mtu > 0 && mtu < least ? "MTU " + mtu + " (expected: >= " + least + ")" : null;
    }

    /** {@link #misfit} for side {@code s} on interface {@code name}, as its problem text. */
    private static String side(int s, String name, long mac, int mtu) {
        String why = misfit(mac, mtu);
        return "side " + (s == 0 ? "A" : "B") + ": " + name + (why.startsWith("MTU") ? ": " : " ") + why;
    }

    /**
     * Puts {@code fresh} on every link in the place of the current program, each in one step, and frees the old. On
     * failure puts the old back where it had been replaced, frees {@code fresh} and throws.
     */
    private void replaceProgram(int fresh) throws IOException {
        List<Integer> done = new ArrayList<>();
        try {
            for (int l : links) {
                if (l >= 0 && Bpf.linkIfindex(l) > 0) {
                    Bpf.updateLink(l, fresh);
                    done.add(l);
                }
            }
        } catch (IOException e) {
            for (int l : done) {
                try {
                    Bpf.updateLink(l, progFd);
                } catch (IOException again) {
                    e.addSuppressed(again);
                }
            }
            LibC.close(fresh);
            throw e;
        }
        LibC.close(progFd);
        progFd = fresh;
    }

    /** {@link #followInterfaces} for the sides whose interface ({@code index}) is gone ({@code up} negative). */
    private boolean followRecreated(int[] index, int[] up) {
        UnderlayInterface[] now = new UnderlayInterface[2];
        String[] kind = new String[2];
        int[] nowUp = new int[2];
        boolean any = false;
        String problems = null;
        for (int s = 0; s < 2; s++) {
            if (up[s] >= 0) {
                continue;
            }
            String problem = null;
            try {
                now[s] = UnderlayInterface.holding((s == 0 ? a : b).local());
                if (now[s] != null && now[s].mtu() < BpfProgram.RELAY_MIN_LENGTH - 14) {
                    problem = now[s].name() + ": MTU " + now[s].mtu() + " (expected: >= "
                            + (BpfProgram.RELAY_MIN_LENGTH - 14) + ")";
                }
            } catch (IOException e) {
                problem = e.getMessage();
            }
            if (problem != null) {
                String side = "side " + (s == 0 ? "A" : "B") + ": " + problem;
                problems = problems == null ? side : problems + "; " + side;
                now[s] = null; // the other side may still be followed
                continue;
            }
            if (now[s] == null || now[s].index() == index[s]) {
                if (now[s] != null) {
                    move[s].followed(); // the address is back on the side's interface
                }
                now[s] = null; // no interface holds the address yet, or no answer about the old one
                continue;
            }
            kind[s] = LinkKind.of(now[s].index());
            nowUp[s] = LinkKind.up(now[s].index());
            any = true;
        }
        synchronized (this) {
            attachProblem = problems; // this round's
        }
        if (!any) {
            return false;
        }
        synchronized (this) {
            if (progFd < 0 || faces[0].ifindex() != index[0] || faces[1].ifindex() != index[1]) {
                return false; // closed, or followed meanwhile
            }
            Interface[] next = faces.clone();
            boolean rebuild = false;
            for (int s = 0; s < 2; s++) {
                if (now[s] != null) {
                    next[s] = face(now[s]);
                    rebuild |= next[s].mac() != faces[s].mac() || next[s].mtu() != faces[s].mtu();
                }
            }
            int prog = progFd;
            int[] fresh = {-1, -1};
            String[] freshWhere = new String[2];
            List<Integer> created = new ArrayList<>();
            try {
                if (rebuild) {
                    prog = loadProgram(next);
                }
                for (int t = 0; t < 2 && mode != null; t++) {
                    int want = next[t].ifindex();
                    if (t == 1 && want == next[0].ifindex()) {
                        break; // both sides on one interface: one link
                    }
                    for (int i = 0; i < 2; i++) {
                        if (links[i] >= 0 && Bpf.linkIfindex(links[i]) == want) {
                            fresh[t] = links[i]; // still attached there
                            freshWhere[t] = where[i];
                        }
                    }
                    int x = now[0] != null && now[0].index() == want
                            ? 0
                            : now[1] != null && now[1].index() == want ? 1 : -1;
                    if (fresh[t] < 0 && x >= 0) {
                        XdpAttachment.Link l = XdpAttachment.link(prog, want, mode, kind[x]);
                        fresh[t] = l.fd();
                        created.add(l.fd());
                        freshWhere[t] = now[x].name() + " (" + l.mode() + " XDP)";
                    }
                }
                for (int l : fresh) {
                    if (l >= 0 && prog != progFd && !created.contains(l)) {
                        Bpf.updateLink(l, prog); // the other side's link, to the program built for both
                    }
                }
            } catch (IOException e) {
                for (int l : created) {
                    LibC.close(l);
                }
                if (prog != progFd) {
                    LibC.close(prog);
                }
                String refused = "following the sides' interfaces: " + e.getMessage();
                attachProblem = problems == null ? refused : problems + "; " + refused;
                return false;
            }
            for (int l : links) {
                if (l >= 0 && l != fresh[0] && l != fresh[1]) {
                    LibC.close(l); // detached with its interface
                }
            }
            System.arraycopy(fresh, 0, links, 0, 2);
            System.arraycopy(freshWhere, 0, where, 0, 2);
            if (prog != progFd) {
                LibC.close(progFd);
                progFd = prog;
            }
            for (int s = 0; s < 2; s++) {
                if (now[s] == null) {
                    continue;
                }
                faces[s] = next[s];
                maps.moveHops(hopMap[s], hops[s], faces[s].ifindex());
                InterfaceWatch.holdDevice(deviceMap, s, nowUp[s] == 1 ? faces[s].ifindex() : 0);
            }
            followed++;
            attachProblem = problems;
            if (mode != null) {
                describeAgain();
            }
            return true;
        }
    }

    /**
     * Times a program was built again for a side's MAC or MTU changed on the interface it stays on
     * ({@link #followInterfaces}).
     */
    public synchronized long rebuilt() {
        return rebuilt;
    }

    /** Times the program followed a side's address to another interface ({@link #followInterfaces}). */
    public synchronized long followed() {
        return followed;
    }

    /** Why following a side's interface fails now (the kernel's refusal, no Ethernet address, an MTU), or null. */
    public synchronized String attachProblem() {
        return attachProblem;
    }

    /** A round that failed in an unforeseen way: shown by {@link #attachProblem} until a change succeeds. */
    private synchronized void failed(RuntimeException e) {
        attachProblem = "following the sides' interfaces: " + e;
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
