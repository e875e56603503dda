package io.vtep4j.internal.xdp;

import io.vtep4j.XdpMode;
import io.vtep4j.internal.libc.LibC;
import io.vtep4j.internal.netlink.LinkKind;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;

/**
 * VXLAN decapsulation in the kernel for a VLAN gateway's overlay-to-trunk direction: an XDP program on the underlay
 * interface ({@link BpfProgram#decapsulateToTrunk}) turns each VXLAN packet the engine would only hand on into the
 * tagged frame the trunk sends, and redirects it to the trunk. Everything else (floods, ARP and neighbour discovery,
 * ECN-marked packets, sources the engine has not learned, anything unusual) reaches the engine as before, through
 * the kernel and the UDP socket.
 *
 * <p>The engine stays the authority: the program forwards a frame only if its inner source is in a map that the
 * owner fills from the engine's forwarding table ({@link #learned}, {@link #forget}), at the remote the packet came
 * from. A packet from anywhere else goes to the engine, which applies its rules (allowed remotes, MACs a local port
 * owns, moves, limits) and, if it learns, says so through its listener. Frames decapsulated here do not reach the
 * engine, so the program marks each source it forwards from, and the owner collects the marks
 * ({@link #refreshHits}) to refresh those entries' age in the table.
 *
 * <p>Bounds: one map entry per mapped VNI (at most {@value #MAX_VNIS}); at most {@code maxSources} learned sources
 * (entries allocated as added); a source the full map refuses stays on the engine's path and is counted
 * ({@link #refused}). Needs root or CAP_BPF with CAP_NET_ADMIN, an IPv4 underlay address on an Ethernet interface.
 *
 * <p>The trunk is named, not numbered: the kernel empties the program's device map when the trunk interface goes away
 * (its packets then reach the engine), and a watch thread puts the new index in within {@value #WATCH_MILLIS} ms of
 * the interface's return. The underlay is known by its address: when the kernel detaches the program with a deleted
 * underlay, the same thread attaches it to the interface that holds the address next ({@link #followUnderlay}).
 *
 * <p>Thread-safe: the maps are changed and read under one lock, which {@link #close} also takes.
 */
public final class DecapOffload implements AutoCloseable {
    /** The most VNIs a VLAN gateway maps: one per VLAN id. */
    public static final int MAX_VNIS = 4094;

    /** The most learned sources the map may be asked to hold. */
    public static final int MAX_SOURCES = 1 << 22;

    static final int SOURCE_KEY = 12;
    /** A learned source's value: the remote's address and the word the program sets when it forwards a frame. */
    static final int SOURCE_VALUE = 8;
    /** How often the watch thread looks at the trunk's interface index. */
    static final int WATCH_MILLIS = InterfaceWatch.PERIOD_MILLIS;

    private final ProgramCounters counters;
    private volatile String describe;
    private int vniMap;
    private int sourceMap;
    private int statsMap;
    private int trunkMap = -1;
    private String trunk;

    private Thread watcher;
    /**
     * Taken for each round of following the interfaces (the watch thread's, or a direct call's), before this object's
     * own lock: a round applies what it read of an interface before another round reads it again.
     */
    private final Object rounds = new Object();

    private int progFd;
    private int linkFd;
    private long refused;
    private InetAddress local;
    private int port;
    private long mac;
    private int trunkMtu;
    private XdpMode mode;
    private long reattached;
    private long rebuilt;
    private String attachProblem;
    private String trunkProblem;
    private String macProblem;
    /** Whether the local address moved off the underlay, which stays; used inside {@link #rounds}. */
    private final AddressMove move = new AddressMove();
    /** Loads its programs; one the kernel refused is not built again, unchanged, on every round. */
    private final ProgramLoads loads = new ProgramLoads("vtep4j_decap");

    private DecapOffload(int vniMap, int sourceMap, int statsMap, int cpus, String describe) {
        this.vniMap = vniMap;
        this.sourceMap = sourceMap;
        this.statsMap = statsMap;
        this.counters = new ProgramCounters(cpus);
        this.describe = describe;
        this.progFd = -1;
        this.linkFd = -1;
    }

    /**
     * Loads the program for UDP port {@code port} at {@code local}, the VNIs of {@code vlanByVni} (each to its VLAN
     * id), redirecting to interface {@code trunk}, and attaches it to the interface that holds {@code local} in
     * {@code mode} ({@link XdpMode#AUTO}: generic on a veth, else native where the driver has it).
     *
     * @throws IllegalArgumentException naming the value and the rule: {@code local} not IPv4, a port, VNI or VLAN id
     *     out of range, no VNIs or more than {@value #MAX_VNIS}, {@code maxSources} not 1..{@value #MAX_SOURCES}
     * @throws IOException naming what failed: no such interface, no Ethernet address, the kernel's refusal
     */
    public static DecapOffload open(
            InetAddress local, int port, String trunk, Map<Integer, Integer> vlanByVni, int maxSources, XdpMode mode)
            throws IOException {
        check(local, port, vlanByVni, maxSources);
        UnderlayInterface underlay = UnderlayInterface.of(local);
        DecapOffload offload = load(local, port, underlay.mac(), trunk, vlanByVni, maxSources);
        try {
            XdpAttachment.Link link =
                    XdpAttachment.link(offload.progFd, underlay.index(), mode, LinkKind.of(underlay.index()));
            offload.linkFd = link.fd();
            offload.mode = mode;
            StringBuilder vnis = new StringBuilder();
            new TreeMap<>(vlanByVni)
                    .forEach((vni, vlan) -> vnis.append(vnis.length() == 0 ? "" : ", ")
                            .append(vni)
                            .append(" -> VLAN ")
                            .append(vlan));
            offload.describe = "VXLAN to " + local.getHostAddress() + ":" + port + " on " + underlay.name()
                    + " decapsulated in " + link.mode() + " XDP, to " + trunk + " (VNI " + vnis + ")";
            offload.watcher = InterfaceWatch.start("vtep4j-decap-trunk-" + trunk, offload::follow, offload::failed);
            return offload;
        } catch (IOException | RuntimeException e) {
            offload.close();
            throw e;
        }
    }

    private static void check(InetAddress local, int port, Map<Integer, Integer> vlanByVni, int maxSources) {
        if (!(local instanceof Inet4Address)) {
            throw new IllegalArgumentException(
                    "local: " + (local == null ? null : local.getHostAddress()) + " (expected: an IPv4 address)");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
        }
        if (vlanByVni.isEmpty() || vlanByVni.size() > MAX_VNIS) {
            throw new IllegalArgumentException(
                    "vlanByVni: " + vlanByVni.size() + " VNIs (expected: 1.." + MAX_VNIS + ")");
        }
        for (Map.Entry<Integer, Integer> e : vlanByVni.entrySet()) {
            if (e.getKey() < 0 || e.getKey() > 0xFFFFFF) {
                throw new IllegalArgumentException("VNI: " + e.getKey() + " (expected: 0..16777215)");
            }
            if (e.getValue() < 1 || e.getValue() > 4094) {
                throw new IllegalArgumentException(
                        "VLAN of VNI " + e.getKey() + ": " + e.getValue() + " (expected: 1..4094)");
            }
        }
        if (maxSources < 1 || maxSources > MAX_SOURCES) {
            throw new IllegalArgumentException("maxSources: " + maxSources + " (expected: 1.." + MAX_SOURCES + ")");
        }
    }

    /**
     * Makes the maps and loads the program as {@link #open} does, for an interface with MAC {@code mac} (low 48
     * bits) and the interface named {@code trunk}, without attaching it anywhere: {@link #run} then shows what it
     * does to a frame.
     *
     * @throws IllegalArgumentException as {@link #open}
     * @throws IOException naming the kernel's refusal
     */
    public static DecapOffload load(
            InetAddress local, int port, long mac, String trunk, Map<Integer, Integer> vlanByVni, int maxSources)
            throws IOException {
        check(local, port, vlanByVni, maxSources);
        int trunkIndex = indexOf(trunk);
        if (trunkIndex <= 0) {
            throw new IOException("no interface named " + trunk);
        }
        int cpus = possibleCpus();
        int vnis = Bpf.createMap(Bpf.BPF_MAP_TYPE_HASH, 4, 4, MAX_VNIS, 0);
        DecapOffload offload = new DecapOffload(vnis, -1, -1, cpus, "not attached");
        try {
            offload.sourceMap =
                    Bpf.createMap(Bpf.BPF_MAP_TYPE_HASH, SOURCE_KEY, SOURCE_VALUE, maxSources, Bpf.BPF_F_NO_PREALLOC);
            offload.statsMap = Bpf.createMap(Bpf.BPF_MAP_TYPE_PERCPU_ARRAY, 4, ProgramCounters.VALUE, 1, 0);
            offload.trunkMap = Bpf.createMap(Bpf.BPF_MAP_TYPE_DEVMAP, 4, 4, 1, 0);
            offload.trunk = trunk;
            Bpf.updateElement(offload.trunkMap, new byte[4], littleEndianInt(trunkIndex));
            for (Map.Entry<Integer, Integer> e : vlanByVni.entrySet()) {
                int tci = e.getValue();
                Bpf.updateElement(vnis, vniKey(e.getKey()), new byte[] {(byte) (tci >>> 8), (byte) tci, 0, 0});
            }
            offload.local = local;
            offload.port = port;
            offload.mac = mac;
            offload.trunkMtu = mtuOf(trunkIndex, trunk);
            offload.progFd = offload.loadProgram(mac, offload.trunkMtu);
            return offload;
        } catch (IOException | RuntimeException e) {
            offload.close();
            throw e;
        }
    }

    /** The program for an underlay of MAC {@code mac} and a trunk of MTU {@code trunkMtu}, over this offload's maps. */
    private int loadProgram(long mac, int trunkMtu) throws IOException {
        return loads.load(BpfProgram.decapsulateToTrunk(
                vniMap, sourceMap, statsMap, trunkMap, local.hashCode(), port, mac, trunkMtu));
    }

    /**
     * What the program does to {@code frame}, run by the kernel on a copy ({@code BPF_PROG_TEST_RUN}; nothing is
     * sent, a redirect is only reported): its verdict, and the frame as it left the program.
     */
    public synchronized Verdict run(byte[] frame) throws IOException {
        if (progFd < 0) {
            throw new IllegalStateException("closed");
        }
        return testRun(progFd, frame);
    }

    /** Runs program {@code progFd} on a copy of {@code frame} ({@code BPF_PROG_TEST_RUN}). */
    static Verdict testRun(int progFd, byte[] frame) throws IOException {
        byte[] out = new byte[frame.length + 256];
        int[] result = Bpf.testRun(progFd, frame, out);
        return new Verdict(result[0], java.util.Arrays.copyOf(out, result[1]));
    }

    /** A verdict of {@link #run}: {@code XDP_DROP} 1, {@code XDP_PASS} 2, {@code XDP_REDIRECT} 4; the frame after. */
    public record Verdict(int action, byte[] frame) {
        /** {@code XDP_PASS}: the kernel's stack, and so the engine, gets the frame. */
        public static final int PASS = 2;
        /** {@code XDP_REDIRECT}: out of the trunk. */
        public static final int REDIRECT = 4;
    }

    /** One line: the interface, the mode, the trunk and the VNIs. */
    public String describe() {
        return describe;
    }

    /**
     * The engine learned (or moved) {@code mac} in {@code vni} at remote {@code remote}: packets from there with that
     * source may be decapsulated here. A remote that is not IPv4 removes the source instead.
     */
    public synchronized void learned(int vni, long mac, InetAddress remote) {
        if (sourceMap < 0) {
            return;
        }
        if (!(remote instanceof Inet4Address)) {
            forget(vni, mac);
            return;
        }
        try {
            Bpf.updateElement(sourceMap, sourceKey(vni, mac), java.util.Arrays.copyOf(remote.getAddress(), 8));
        } catch (IOException full) {
            refused++;
            forget(vni, mac); // an older entry must not stand for the new location
        }
    }

    /** The engine no longer has {@code mac} in {@code vni} at a remote: its packets go to the engine again. */
    public synchronized void forget(int vni, long mac) {
        if (sourceMap < 0) {
            return;
        }
        try {
            Bpf.deleteElement(sourceMap, sourceKey(vni, mac));
        } catch (IOException e) {
            refused++;
        }
    }

    /**
     * Hands {@code seen} each source the program has forwarded frames from since the last call, and clears its mark:
     * the owner refreshes those entries in the engine's table, which never sees the frames. Walks the whole map, one
     * entry at a time under the lock; returns the number of sources handed on.
     */
    public int refreshHits(Seen seen) {
        return walkHits(this, () -> sourceMap, SOURCE_VALUE, 4, seen);
    }

    /**
     * Whether the program has forwarded frames from {@code mac} in {@code vni} since the last {@link #refreshHits}
     * (its mark is set; the mark stays for that walk). False for a source it does not hold, or once closed.
     */
    public synchronized boolean seen(int vni, long mac) {
        return marked(sourceMap, DecapOffload.sourceKey(vni, mac), SOURCE_VALUE, 4);
    }

    /** Whether {@code map} holds {@code key} with a non-zero mark word at {@code markOffset} of its value. */
    static boolean marked(int map, byte[] key, int valueSize, int markOffset) {
        if (map < 0) {
            return false;
        }
        byte[] value = new byte[valueSize];
        try {
            Bpf.lookupElement(map, key, value);
        } catch (IOException absent) {
            return false;
        }
        return (value[markOffset] | value[markOffset + 1] | value[markOffset + 2] | value[markOffset + 3]) != 0;
    }

    /** Removes every source: their packets go to the engine until the owner hands them on again. */
    public void clear() {
        clearMap(this, () -> sourceMap);
    }

    /**
     * Deletes every key of {@code map} ({@link #sourceKey} keys), one at a time under {@code lock}; returns how many.
     * Bounded: at most {@link #MAX_SOURCES} + 1 steps, so keys the program cannot add (only the owner adds) do not
     * keep it going.
     */
    static int clearMap(Object lock, java.util.function.IntSupplier map) {
        byte[] first = new byte[SOURCE_KEY];
        int removed = 0;
        for (int step = 0; step <= MAX_SOURCES; step++) {
            synchronized (lock) {
                int fd = map.getAsInt();
                try {
                    if (fd < 0 || !Bpf.nextKey(fd, null, first)) {
                        return removed;
                    }
                    Bpf.deleteElement(fd, first);
                    removed++;
                } catch (IOException gone) {
                    // removed meanwhile: the next step finds the new first key
                }
            }
        }
        return removed;
    }

    /** Receives the MACs a program has forwarded frames from. */
    public interface Seen {
        void seen(int vni, long mac);
    }

    /**
     * Walks {@code map} (keys as {@link #sourceKey}, values of {@code valueSize} bytes with the program's mark, a u32,
     * at {@code markOffset}): hands each marked key to {@code seen} and clears its mark, each step under
     * {@code lock}, so that the owner's own changes to an entry never interleave with it. Stops early once the map
     * is closed ({@code map} returns a negative descriptor).
     */
    static int walkHits(Object lock, java.util.function.IntSupplier map, int valueSize, int markOffset, Seen seen) {
        byte[] key = null;
        byte[] next = new byte[SOURCE_KEY];
        byte[] value = new byte[valueSize];
        int handed = 0;
        // bounded: a key removed meanwhile sends the kernel's walk back to the first key
        for (int step = 0; step < 2 * MAX_SOURCES; step++) {
            boolean marked;
            synchronized (lock) {
                int fd = map.getAsInt();
                try {
                    if (fd < 0 || !Bpf.nextKey(fd, key, next)) {
                        return handed;
                    }
                    Bpf.lookupElement(fd, next, value);
                    marked = value[markOffset] != 0;
                    if (marked) {
                        java.util.Arrays.fill(value, markOffset, markOffset + 4, (byte) 0);
                        Bpf.updateElement(fd, next, value);
                    }
                } catch (IOException gone) {
                    marked = false; // removed meanwhile: the walk goes on from it
                }
            }
            if (marked) {
                int vni = (next[0] & 0xFF) << 16 | (next[1] & 0xFF) << 8 | (next[2] & 0xFF);
                long mac = 0;
                for (int i = 4; i < 10; i++) {
                    mac = mac << 8 | (next[i] & 0xFF);
                }
                seen.seen(vni, mac);
                handed++;
            }
            key = next.clone();
        }
        return handed;
    }

    /** Sources the map refused (full) or failed to remove; they stay on the engine's path. */
    public synchronized long refused() {
        return refused;
    }

    /** Frames decapsulated and redirected to the trunk so far (the last total once closed). */
    public synchronized long frames() {
        counters.read(statsMap);
        return counters.frames();
    }

    /** Bytes of those frames, as the trunk sends them (tag included). */
    public synchronized long bytes() {
        counters.read(statsMap);
        return counters.bytes();
    }

    /** Detaches the program, then frees it and the maps; keeps the last totals. Idempotent. */
    @Override
    public void close() {
        stop(watcher);
        closeDescriptors();
    }

    /** Interrupts {@code thread} (null: none) and waits for it, at most 5 s. */
    static void stop(Thread thread) {
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private synchronized void closeDescriptors() {
        if (linkFd >= 0) {
            LibC.close(linkFd);
            linkFd = -1;
        }
        counters.read(statsMap);
        for (int fd : new int[] {progFd, vniMap, sourceMap, statsMap, trunkMap}) {
            if (fd >= 0) {
                LibC.close(fd);
            }
        }
        progFd = -1;
        vniMap = -1;
        sourceMap = -1;
        statsMap = -1;
        trunkMap = -1;
    }

    /**
     * Puts the trunk's current index in the device map when the interface of that name is new (recreated) or up
     * again, and takes it out while the interface is administratively down: the kernel would drop a frame redirected
     * to a trunk that is down after the program counted it, where the engine counts what it cannot send. The kernel
     * removes a deleted interface from the map by itself (also one that leaves the namespace, and may come back with
     * its index), so the map is read, not remembered; meanwhile the packets reach the engine. Where the trunk's MTU
     * changed (on the same interface or a recreated one), a program built for it takes the old one's place on the
     * underlay in one step ({@link #rebuilt}); until the kernel takes it, the trunk stays out of the map. The
     * kernel's link table is asked outside the lock.
     *
     * @return true if the map or the program changed
     */
    public boolean followTrunk() {
        synchronized (rounds) {
            return followTrunkRound();
        }
    }

    /** {@link #followTrunk}, inside a round. */
    private boolean followTrunkRound() {
        synchronized (this) {
            if (trunkMap < 0) {
                return false;
            }
        }
        int now = indexOf(trunk);
        LinkKind.State state = now > 0 ? LinkKind.state(now) : null;
        if (state == null || state.up() == 0) {
            now = 0;
        }
        synchronized (this) {
            if (trunkMap < 0) {
                return false;
            }
            if (now == 0) {
                trunkProblem = null; // out of the map as gone or down; its MTU is checked when it is back
            }
            boolean rebuiltNow = false;
            if (now > 0 && state.mtu() > 0) {
                int mtu = Math.max(68, Math.min(state.mtu(), 65535));
                if (mtu == trunkMtu) {
                    trunkProblem = null;
                } else {
                    try {
                        replaceProgram(mac, mtu);
                        trunkProblem = null;
                        rebuiltNow = true;
                    } catch (IOException e) {
                        trunkProblem = "trunk " + trunk + ": MTU " + mtu + ": " + e.getMessage();
                        if (mtu < trunkMtu) {
                            now = 0; // the old program would send frames too long for it
                        }
                    }
                }
            }
            return InterfaceWatch.holdDevice(trunkMap, 0, now) || rebuiltNow;
        }
    }

    /**
     * Puts a program for underlay MAC {@code mac} and trunk MTU {@code mtu} in the place of the current one: on the
     * underlay's link in one step where it is attached, and frees the old; counted in {@link #rebuilt}. On failure
     * keeps the old and throws.
     */
    private void replaceProgram(long mac, int mtu) throws IOException {
        int fresh = loadProgram(mac, mtu);
        XdpAttachment.replaceOn(linkFd, fresh);
        LibC.close(progFd);
        progFd = fresh;
        this.mac = mac;
        trunkMtu = mtu;
        rebuilt++;
    }

    /**
     * Attaches the program to the interface that now holds the local address when the kernel detached it from the
     * underlay (the interface was deleted), the interface it is on is no longer in this namespace, or the address
     * moved from the interface, which stays (looked for every {@value AddressMove#LOOK_EVERY} rounds; the old
     * attachment is then closed, which detaches the program there). Where the new interface has another MAC, a
     * program built for it takes the old one's place. The watch thread calls this every {@value #WATCH_MILLIS} ms;
     * meanwhile the packets reach the engine through the kernel and its UDP socket. The kernel is asked outside the
     * lock.
     *
     * @return true if the program was attached to another interface; false if nothing changed, or not yet
     */
    public boolean followUnderlay() {
        synchronized (rounds) {
            return followUnderlayRound();
        }
    }

    /** {@link #followUnderlay}, inside a round. */
    private boolean followUnderlayRound() {
        int link;
        InetAddress address;
        synchronized (this) {
            if (progFd < 0 || linkFd < 0 || mode == null) {
                return false; // closed, or loaded without being attached
            }
            link = linkFd;
            address = local;
        }
        int attached;
        try {
            attached = Bpf.linkIfindex(link);
        } catch (IOException e) {
            return false; // asked again next time
        }
        LinkKind.State state = attached > 0 ? LinkKind.state(attached) : null;
        if (state != null) { // still attached to an interface of this namespace
            if (!move.moved(address, attached)) {
                return followMac(link, attached, state.mac());
            }
            // the address moved to another interface, and this one stays: attach there, as below
        }
        UnderlayInterface now;
        try {
            now = UnderlayInterface.holding(address);
        } catch (IOException e) {
            synchronized (this) {
                attachProblem = "underlay: " + e.getMessage();
            }
            return false;
        }
        if (now == null || now.index() == attached) {
            synchronized (this) {
                attachProblem = null; // no interface holds the address, or the one attached: nothing to do
                macProblem = null; // about an interface the program has left, or to be asked again next round
            }
            if (now != null) {
                move.followed(); // the address is back on the interface attached: no move to follow
            }
            return false;
        }
        long freshMac = now.mac();
        int index = now.index();
        String kind = LinkKind.of(index);
        synchronized (this) {
            if (progFd < 0 || linkFd != link) {
                return false; // closed, or changed meanwhile
            }
            int prog = progFd;
            XdpAttachment.Link fresh;
            try {
                if (freshMac != mac) {
                    prog = loadProgram(freshMac, trunkMtu);
                }
                fresh = XdpAttachment.link(prog, index, mode, kind);
            } catch (IOException e) {
                if (prog != progFd) {
                    LibC.close(prog);
                }
                attachProblem = "underlay " + now.name() + " (index " + index + "): " + e.getMessage();
                return false;
            }
            // detached already, on an interface that left the namespace, or on one the address left (closing detaches)
            LibC.close(linkFd);
            linkFd = fresh.fd();
            if (prog != progFd) {
                LibC.close(progFd);
                progFd = prog;
                mac = freshMac;
            }
            reattached++;
            attachProblem = null;
            macProblem = null;
            move.followed();
            describe = describe.replaceFirst(
                    " on \\S+ decapsulated in \\w+ XDP",
                    " on " + Matcher.quoteReplacement(now.name()) + " decapsulated in " + fresh.mode() + " XDP");
            return true;
        }
    }

    /**
     * {@link #followUnderlay} for an underlay that stays (interface {@code index}, attached through {@code link}):
     * where its MAC changed to {@code now}, a program that takes packets to that MAC replaces the old one in one step.
     * Until then packets to the new MAC reach the engine.
     */
    private boolean followMac(int link, int index, long now) {
        long built;
        synchronized (this) {
            built = mac;
        }
        // outside the lock: it asks the kernel
        String name = now >= 0 && now != built ? UnderlayInterface.nameOf(index) : "index " + index;
        synchronized (this) {
            if (progFd < 0 || linkFd != link) {
                return false; // closed, or changed meanwhile
            }
            attachProblem = null; // attached to the interface that holds the address
            if (now < 0 || now == mac) {
                macProblem = null; // no Ethernet address (the program keeps its own), or the one it is built for
                return false;
            }
            try {
                replaceProgram(now, trunkMtu);
                macProblem = null;
                return true;
            } catch (IOException e) {
                macProblem = "underlay " + name + ": MAC changed: " + e.getMessage();
                return false;
            }
        }
    }

    /**
     * Times a program was built again for a changed MAC of the underlay or MTU of the trunk ({@link #followTrunk},
     * {@link #followUnderlay}).
     */
    public synchronized long rebuilt() {
        return rebuilt;
    }

    /** Times the program was attached to the interface that took the underlay's place ({@link #followUnderlay}). */
    public synchronized long reattached() {
        return reattached;
    }

    /**
     * Why following the underlay fails now (the kernel's refusal, an interface without an Ethernet address), or a
     * program for the underlay's changed MAC or the trunk's changed MTU: each that applies, joined by "; "; null when
     * none does.
     */
    public synchronized String attachProblem() {
        return joined(attachProblem, joined(macProblem, trunkProblem));
    }

    /** {@code first} and {@code second} joined by "; ", either alone where the other is null, or null. */
    static String joined(String first, String second) {
        if (first == null || second == null) {
            return first != null ? first : second;
        }
        return first + "; " + second;
    }

    /** One round of the watch thread: {@link #followTrunk}, {@link #followUnderlay}. */
    private void follow() {
        followTrunk();
        followUnderlay();
    }

    /** A round that failed in an unforeseen way: shown by {@link #attachProblem} until an attachment succeeds. */
    private synchronized void failed(RuntimeException e) {
        attachProblem = "following the interfaces: " + e;
    }

    /**
     * The MTU of interface {@code ifindex} ({@code name}), as the program is built (a later change needs a new
     * program); above 65,535 (loopback's 65,536), 65,535, the most an IPv4 packet carries.
     */
    private static int mtuOf(int ifindex, String name) throws IOException {
        int mtu = LinkKind.mtu(ifindex);
        if (mtu < 0) {
            throw new IOException("cannot read the MTU of " + name);
        }
        return Math.max(68, Math.min(mtu, 65535));
    }

    static int indexOf(String name) {
        return name == null || name.isEmpty() || name.length() > 15 ? 0 : LibC.if_nametoindex(name);
    }

    static byte[] littleEndianInt(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }

    /** The key of {@code vni} in the VNI map: its three bytes, network order, and a zero byte. */
    static byte[] vniKey(int vni) {
        return new byte[] {(byte) (vni >>> 16), (byte) (vni >>> 8), (byte) vni, 0};
    }

    /** The key of a source: {@link #vniKey}, the MAC's six bytes, two zero bytes. */
    static byte[] sourceKey(int vni, long mac) {
        byte[] key = new byte[SOURCE_KEY];
        System.arraycopy(vniKey(vni), 0, key, 0, 4);
        for (int i = 0; i < 6; i++) {
            key[4 + i] = (byte) (mac >>> (40 - 8 * i));
        }
        return key;
    }

    /**
     * CPUs the kernel may bring up ({@code /sys/devices/system/cpu/possible}, such as {@code 0-1} or {@code 0,2-5}):
     * a per-CPU map's value holds one slot for each.
     */
    static int possibleCpus() throws IOException {
        String list = Files.readString(Path.of("/sys/devices/system/cpu/possible"), StandardCharsets.US_ASCII);
        return countCpus(list);
    }

    /** The CPUs in a kernel CPU list such as {@code 0-1} or {@code 0,2-5}. */
    static int countCpus(String list) {
        int n = 0;
        for (String part : list.trim().split(",")) {
            if (part.isEmpty()) {
                continue;
            }
            int dash = part.indexOf('-');
            try {
                int first = Integer.parseInt(part.substring(0, dash < 0 ? part.length() : dash));
                int last = dash < 0 ? first : Integer.parseInt(part.substring(dash + 1));
                if (first < 0 || last < first) {
                    throw new NumberFormatException(part);
                }
                n += last - first + 1;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("CPU list: " + list.trim() + " (expected: such as 0-1 or 0,2-5)");
            }
        }
        if (n < 1) {
            throw new IllegalArgumentException("CPU list: " + list.trim() + " (expected: at least one CPU)");
        }
        return n;
    }
}
