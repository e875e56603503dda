package io.vtep4j.internal;

/**
 * Datagrams an underlay handed to the kernel and the send messages that carried them. Without UDP GSO every
 * message carries one datagram; with GSO one message carries a whole run, so {@code messages() < datagrams()} shows
 * the coalescing at work. Counted where the underlay builds its send messages itself: the direct path's
 * {@code sendmmsg} (messages the kernel accepted) and the Netty path's {@link GsoCoalescer} (messages written to the
 * channel); other paths leave both at zero.
 *
 * <p>Thread-safe: contention-free increments from any event loop, no allocation.
 */
public final class SendCounters extends MessageCounters {

    /** Records {@code messages} send messages carrying {@code datagrams} datagrams in all. */
    public void sent(int messages, int datagrams) {
        add(messages, datagrams);
    }
}
