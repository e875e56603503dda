package io.vtep4j.evpn;

import io.vtep4j.evpn.internal.gobgp.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Where the routing state's adds and withdrawals go: the paths one task of the agent queues are gathered and handed
 * together, in order, to the {@link PathSender} at the task's end. While disconnected they are dropped: reconnection
 * re-sends everything we want and withdraws what we no longer want.
 *
 * <p>Threading: not thread-safe; the agent's thread owns it.
 */
final class Outbox implements Advertiser.Bgp {

    private final PathSender sender;
    private final BooleanSupplier connected;
    /** Paths queued by the current task, sent together by {@link #flush()} at its end. */
    private final List<Path> outgoing = new ArrayList<>();

    Outbox(PathSender sender, BooleanSupplier connected) {
        this.sender = sender;
        this.connected = connected;
    }

    @Override
    public void add(Path path) {
        if (connected.getAsBoolean()) {
            outgoing.add(path);
        }
    }

    @Override
    public void delete(Path path) {
        if (connected.getAsBoolean()) {
            outgoing.add(
                    path.getIsWithdraw()
                            ? path
                            : path.toBuilder().setIsWithdraw(true).build());
        }
    }

    /**
     * Hands what this task queued, in order, to the sender, which sends it on its own thread and re-sends a call that
     * failed; reconnection re-sends everything we want and deletes what we no longer want.
     */
    void flush() {
        if (outgoing.isEmpty()) {
            return;
        }
        List<Path> batch = new ArrayList<>(outgoing);
        outgoing.clear();
        if (connected.getAsBoolean()) {
            sender.offer(batch);
        }
    }
}
