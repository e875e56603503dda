package io.vtep4j.internal;

import java.util.concurrent.atomic.LongAdder;

/**
 * Messages exchanged with the kernel and the datagrams they carried: the common part of {@link SendCounters} and
 * {@link ReceiveCounters}. Thread-safe: contention-free increments from any event loop, no allocation.
 */
abstract class MessageCounters {

    private final LongAdder messages = new LongAdder();
    private final LongAdder datagrams = new LongAdder();

    MessageCounters() {}

    /** Records {@code messages} messages carrying {@code datagrams} datagrams in all. */
    final void add(int messages, int datagrams) {
        this.messages.add(messages);
        this.datagrams.add(datagrams);
    }

    /** Messages so far (a GSO or GRO super-datagram is one). */
    public final long messages() {
        return messages.sum();
    }

    /** Datagrams so far, as they travel the wire (each GSO or GRO segment counts). */
    public final long datagrams() {
        return datagrams.sum();
    }

    @Override
    public final String toString() {
        return getClass().getSimpleName() + "{messages=" + messages() + ", datagrams=" + datagrams() + '}';
    }
}
