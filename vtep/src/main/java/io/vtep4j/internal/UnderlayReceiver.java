package io.vtep4j.internal;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.DropReason;
import java.net.InetAddress;

/**
 * Where an {@link Underlay} hands what it receives: implemented by the engine.
 *
 * <p>Threading: called only on an event loop of {@link UnderlayConfig#group()}, never concurrently for one read
 * batch. Implementations never throw (the engine catches, counts and drops); an underlay must still guard its own
 * loop against a throwing receiver.
 */
public interface UnderlayReceiver {

    /**
     * One tunnel packet arrived.
     *
     * @param payload starts at the tunnel header (VXLAN header, or GRE header for NVGRE / GRE-in-UDP) and ends with
     *        the inner frame; outer IP/UDP headers already stripped. Ownership passes to the engine.
     * @param source the outer source address (the remote VTEP); the engine learns inner MACs against it. May be a
     *        new instance per packet (the engine maps equal addresses to one cached location).
     */
    void received(ByteBuf payload, InetAddress source);

    /**
     * {@link #received(ByteBuf, InetAddress)} from a transport that read the outer IP header's TOS (IPv4) or traffic
     * class (IPv6), so that the engine can apply RFC 6040's decapsulation rule to the inner packet. A transport that
     * cannot read it calls {@link #received(ByteBuf, InetAddress)}, which the engine treats as an outer Not-ECT. The
     * default ignores {@code outerTos}.
     *
     * @param outerTos the outer TOS / traffic class byte, 0..255
     */
    default void receivedWithTos(ByteBuf payload, InetAddress source, int outerTos) {
        received(payload, source);
    }

    /**
     * A hint before a read batch is handed on: the tunnel packet in {@code batch} at {@code offset}, {@code length}
     * bytes long (from its tunnel header on, as {@link #received} will get it), is about to be delivered. A transport
     * that reads several packets at once calls this for each of them first, then {@link #received} for each: the
     * engine reads ahead the forwarding-table memory each packet will need, so that the batch's cache misses overlap.
     * Reads only; takes no ownership; may be called with anything (a packet it calls for may still be dropped).
     * Returns a value the caller folds into a field of its own, so that the reads are kept; the default reads
     * nothing and returns 0.
     */
    default long readAhead(ByteBuf batch, int offset, int length) {
        return 0;
    }

    /**
     * A read batch ended; the engine flushes whatever the batch made it send. A transport MUST call it after every
     * batch of {@link #received} calls (at least one per event-loop wakeup that delivered anything): until it does,
     * sends made by handlers on that loop stay queued.
     */
    void readComplete();

    /**
     * The underlay dropped a packet itself (malformed outer header, fragment, failed write); the engine counts it.
     * Nothing is passed to release.
     */
    void dropped(DropReason reason);

    /**
     * The kernel reported {@code count} more packets lost for {@code reason} (a running total that moved, such as a
     * socket's drop counter); the engine adds them at once. The default counts them one by one.
     */
    default void dropped(DropReason reason, long count) {
        for (long i = 0; i < count; i++) {
            dropped(reason);
        }
    }

    /**
     * The underlay's own event-loop code failed unexpectedly (a bug, an {@link Error}); whatever it had in hand is
     * gone. The default counts it as {@link DropReason#INTERNAL_ERROR}; the engine also hands {@code cause} to its
     * listener. Nothing is passed to release.
     */
    default void internalError(Throwable cause) {
        dropped(DropReason.INTERNAL_ERROR);
    }
}
