package io.vtep4j.examples.demo;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.vtep4j.learning.MacAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A pretend machine with one MAC and one IPv4 address that answers ARP and ping by building its own frames.
 *
 * <p>Frames arrive through {@link #receive(ByteBuf)} (any thread, typically a VTEP event loop; the host takes
 * ownership and releases) and leave through the wire given to {@link #connect(Consumer)} (ownership passes to
 * the wire). Like a NIC without promiscuous mode, it ignores unicast frames addressed to other MACs. The waiting
 * methods {@link #resolve} and {@link #ping} block the calling thread with a bound and must not be called from
 * the thread that delivers frames. Thread-safe.
 */
public final class SimulatedHost {
    private static final int SEEN_LIMIT = 256;
    private static final int ECHO_ID = 0x7654;

    private final String name;
    private final long mac;
    private final int ip;
    private final ByteBufAllocator alloc;
    private final Map<Integer, Long> neighbours = new ConcurrentHashMap<>();
    private final Map<Integer, CompletableFuture<Long>> pendingArp = new ConcurrentHashMap<>();
    private final Map<Integer, CompletableFuture<Integer>> pendingEcho = new ConcurrentHashMap<>();
    private final List<String> seen = new ArrayList<>();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong ignored = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private volatile Consumer<ByteBuf> wire;

    /** A host named {@code name} (for the narration) at {@code mac} / {@code ip}; not connected yet. */
    public SimulatedHost(String name, long mac, int ip, ByteBufAllocator alloc) {
        this.name = Objects.requireNonNull(name, "name");
        this.mac = mac;
        this.ip = ip;
        this.alloc = Objects.requireNonNull(alloc, "alloc");
    }

    /** Plugs the host's cable into {@code wire}; each frame the host sends is handed over (ownership too). */
    public void connect(Consumer<ByteBuf> wire) {
        this.wire = Objects.requireNonNull(wire, "wire");
    }

    /** The host's name. */
    public String name() {
        return name;
    }

    /** The host's MAC address. */
    public long mac() {
        return mac;
    }

    /** The host's IPv4 address. */
    public int ip() {
        return ip;
    }

    /** Frames that reached this host's cable (including those it ignored). */
    public long received() {
        return received.get();
    }

    /** Frames that reached the cable but were for someone else (unicast to another MAC, ARP for another IP). */
    public long ignored() {
        return ignored.get();
    }

    /** Frames this host sent. */
    public long sent() {
        return sent.get();
    }

    /** What this host saw since the last call, one tcpdump-like line per frame, oldest first; clears the list. */
    public List<String> drainSeen() {
        synchronized (seen) {
            List<String> copy = List.copyOf(seen);
            seen.clear();
            return copy;
        }
    }

    /** The MAC this host learned for {@code address} through ARP, or null. */
    public Long neighbour(int address) {
        return neighbours.get(address);
    }

    /**
     * Sends an ARP request for {@code address} and waits up to {@code timeout} for the reply.
     *
     * @return the MAC that answered, or null if none did in time
     */
    public Long resolve(int address, Duration timeout) throws InterruptedException {
        CompletableFuture<Long> answer = pendingArp.computeIfAbsent(address, a -> new CompletableFuture<>());
        try {
            send(Frames.arpRequest(alloc, mac, ip, address));
            return await(answer, timeout);
        } finally {
            pendingArp.remove(address, answer);
        }
    }

    /**
     * Sends one ICMP echo request to {@code address} (whose MAC must already be in the ARP cache) and waits up to
     * {@code timeout} for the matching reply.
     *
     * @return true if the reply came back in time
     */
    public boolean ping(int address, int sequence, Duration timeout) throws InterruptedException {
        Long destination = neighbours.get(address);
        if (destination == null) {
            throw new IllegalStateException("ping " + Addresses.ipv4(address) + ": no ARP entry (resolve first)");
        }
        CompletableFuture<Integer> answer = pendingEcho.computeIfAbsent(sequence, s -> new CompletableFuture<>());
        ByteBuf data = Unpooled.wrappedBuffer(("vtep4j demo " + name).getBytes(StandardCharsets.US_ASCII));
        try {
            send(Frames.icmpEcho(
                    alloc, Frames.ICMP_ECHO_REQUEST, mac, destination, ip, address, ECHO_ID, sequence, data));
            Integer from = await(answer, timeout);
            return from != null && from == address;
        } finally {
            data.release();
            pendingEcho.remove(sequence, answer);
        }
    }

    /** Sends a frame the caller built; ownership passes to the host's wire. */
    public void send(ByteBuf frame) {
        Consumer<ByteBuf> out = wire;
        if (out == null) {
            frame.release();
            throw new IllegalStateException(name + ": not connected");
        }
        sent.incrementAndGet();
        out.accept(frame);
    }

    /** A frame off the wire: answered, recorded or ignored. Takes ownership and releases it. */
    public void receive(ByteBuf frame) {
        try {
            received.incrementAndGet();
            remember(Frames.describe(frame));
            long destination = Frames.destinationMac(frame);
            if (destination != mac && !MacAddress.isGroup(destination)) {
                ignored.incrementAndGet(); // a NIC without promiscuous mode filters this out
            } else if (Frames.isArp(frame)) {
                onArp(frame);
            } else if (Frames.isIcmpEcho(frame) && Frames.ipv4Destination(frame) == ip) {
                onEcho(frame);
            } else {
                ignored.incrementAndGet();
            }
        } finally {
            frame.release();
        }
    }

    private void onArp(ByteBuf frame) {
        int senderIp = Frames.arpSenderIp(frame);
        long senderMac = Frames.arpSenderMac(frame);
        if (Frames.arpOperation(frame) == Frames.ARP_REQUEST && Frames.arpTargetIp(frame) == ip) {
            neighbours.put(senderIp, senderMac); // RFC 826: the target merges the sender's pair
            send(Frames.arpReply(alloc, mac, ip, senderMac, senderIp));
        } else if (Frames.arpOperation(frame) == Frames.ARP_REPLY && Frames.arpTargetIp(frame) == ip) {
            neighbours.put(senderIp, senderMac);
            CompletableFuture<Long> waiting = pendingArp.get(senderIp);
            if (waiting != null) {
                waiting.complete(senderMac);
            }
        } else {
            ignored.incrementAndGet(); // somebody else's question
        }
    }

    private void onEcho(ByteBuf frame) {
        int source = Frames.ipv4Source(frame);
        if (Frames.icmpType(frame) == Frames.ICMP_ECHO_REQUEST) {
            send(Frames.icmpEcho(
                    alloc,
                    Frames.ICMP_ECHO_REPLY,
                    mac,
                    Frames.sourceMac(frame),
                    ip,
                    source,
                    Frames.icmpId(frame),
                    Frames.icmpSequence(frame),
                    Frames.icmpData(frame)));
        } else {
            CompletableFuture<Integer> waiting = pendingEcho.get(Frames.icmpSequence(frame));
            if (waiting != null) {
                waiting.complete(source);
            }
        }
    }

    private void remember(String line) {
        synchronized (seen) {
            if (seen.size() < SEEN_LIMIT) {
                seen.add(line);
            }
        }
    }

    private static <T> T await(CompletableFuture<T> future, Duration timeout) throws InterruptedException {
        try {
            return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public String toString() {
        return name + " (" + MacAddress.toString(mac) + ", " + Addresses.ipv4(ip) + ")";
    }
}
