package io.vtep4j.learning;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Listener events gathered while a table lock is held and delivered after it is released, so a listener may call
 * back into the table. Not thread-safe: one instance per operation.
 */
final class Events {

    static final int LEARNED = 0;
    static final int MOVED = 1;
    static final int AGED = 2;
    static final int EVICTED = 3;
    static final int DUPLICATE = 4;
    static final int REMOVED = 5;
    static final int INSTALLED = 6;

    private final List<Event> pending = new ArrayList<>(2);

    /** Queues one event; {@code other} is the new location of a move or the refused one of a duplicate. */
    void add(int kind, int vni, long mac, Location location, Location other) {
        pending.add(new Event(kind, vni, mac, location, other));
    }

    int size() {
        return pending.size();
    }

    /**
     * Delivers every queued event. Whatever a listener throws, {@link Error}s included, is counted in
     * {@code errors} and never propagated, and the remaining events are still delivered: the table change they report
     * has already happened, so failing the caller (a packet being forwarded, an expiry sweep) would only lose
     * information. That holds for a {@link VirtualMachineError} too: a listener's {@link StackOverflowError} is its
     * own bug, and an {@link OutOfMemoryError} will surface again wherever the application allocates next.
     */
    void fire(FdbListener listener, LongAdder errors) {
        for (Event e : pending) {
            try {
                switch (e.kind) {
                    case LEARNED:
                        listener.learned(e.vni, e.mac, e.location);
                        break;
                    case MOVED:
                        listener.moved(e.vni, e.mac, e.location, e.other);
                        break;
                    case AGED:
                        listener.aged(e.vni, e.mac, e.location);
                        break;
                    case EVICTED:
                        listener.evicted(e.vni, e.mac, e.location);
                        break;
                    case REMOVED:
                        listener.removed(e.vni, e.mac, e.location);
                        break;
                    case INSTALLED:
                        listener.installed(e.vni, e.mac, e.location);
                        break;
                    default:
                        listener.duplicate(e.vni, e.mac, e.location);
                        break;
                }
            } catch (Throwable ex) {
                errors.increment();
            }
        }
    }

    private static final class Event {
        final int kind;
        final int vni;
        final long mac;
        final Location location;
        final Location other;

        Event(int kind, int vni, long mac, Location location, Location other) {
            this.kind = kind;
            this.vni = vni;
            this.mac = mac;
            this.location = location;
            this.other = other;
        }
    }
}
