package io.vtep4j.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The socket address a datagram channel sends to, one shared {@link InetSocketAddress} per destination, so that a
 * steady stream to known peers creates no address objects.
 *
 * <p>Bound: at most {@link #CAPACITY} entries, in a direct-mapped table indexed by the address's hash. A destination
 * whose slot holds another one replaces it (one new object, the next send to the evicted one makes another): a
 * flood of spoofed sources that each elicit a reply costs one object per packet and never grows memory.
 *
 * <p>Thread-safe without locks: entries are immutable and published through an atomic array; two threads racing for
 * a slot each get a correct address.
 */
public final class DestinationCache {

    /** Entries at most (a power of two). */
    public static final int CAPACITY = 1024;

    private static final int MASK = CAPACITY - 1;

    private final AtomicReferenceArray<InetSocketAddress> table = new AtomicReferenceArray<>(CAPACITY);
    private final int port;

    /**
     * A cache of addresses with port {@code port} (0 for raw IP sockets, which have none).
     *
     * @throws IllegalArgumentException if {@code port} is outside 0..65535
     */
    public DestinationCache(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
        }
        this.port = port;
    }

    /** The socket address of {@code destination} at this cache's port. */
    public InetSocketAddress get(InetAddress destination) {
        int h = destination.hashCode();
        int i = (h ^ h >>> 16) & MASK;
        InetSocketAddress cached = table.get(i);
        if (cached != null && cached.getAddress().equals(destination)) {
            return cached;
        }
        InetSocketAddress made = new InetSocketAddress(destination, port);
        table.set(i, made);
        return made;
    }

    /** Entries held now, at most {@link #CAPACITY} (for tests and diagnostics; walks the table). */
    public int size() {
        int n = 0;
        for (int i = 0; i < CAPACITY; i++) {
            if (table.get(i) != null) {
                n++;
            }
        }
        return n;
    }
}
