package io.vtep4j.internal;

/**
 * Receive messages an underlay read from the kernel and the datagrams they carried. Without UDP GRO every message is
 * one datagram; with GRO the kernel coalesces a run of same-flow datagrams into one message, so
 * {@code messages() < datagrams()} shows the coalescing at work. Counted by the direct path's {@code recvmmsg} loop
 * (a message whose segment size is malformed, or that was truncated, counts as one datagram); other paths leave both
 * at zero.
 *
 * <p>Thread-safe: contention-free increments from any event loop, no allocation.
 */
public final class ReceiveCounters extends MessageCounters {

    /** Records {@code messages} received messages carrying {@code datagrams} datagrams in all. */
    public void received(int messages, int datagrams) {
        add(messages, datagrams);
    }
}
