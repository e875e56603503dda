package io.vtep4j;

import io.vtep4j.encap.DropReason;
import java.net.InetAddress;

/**
 * Observes a {@link Vtep}'s data plane; every method defaults to doing nothing.
 *
 * <p>Threading: called on the thread where the event happened — mostly an underlay event loop — possibly
 * concurrently; keep it short and never block. An exception thrown by a listener is swallowed. Nothing here takes
 * or returns buffers. MAC learning events come from the forwarding table's own listener
 * ({@link Vtep.Builder#fdbListener}).
 */
public interface VtepListener {

    /**
     * A packet or frame was dropped.
     *
     * @param vni the segment it belonged to, or -1 if not known (malformed, unknown VNI)
     * @param source the remote VTEP it came from, or null for frames from local ports
     */
    default void dropped(DropReason reason, int vni, InetAddress source) {}

    /**
     * A unicast frame from {@code port} was sent to a MAC the forwarding table does not know (and is flooded): the
     * l2miss of Linux's vxlan driver, for a control plane that can resolve the MAC and install it. At most
     * {@link Vtep.Builder#missEvents} calls per second per segment; the rest are not reported.
     *
     * @param mac the unknown destination, 48 bits (see {@code io.vtep4j.learning.MacAddress#toString(long)})
     */
    default void unknownDestination(int vni, long mac, LocalPort port) {}

    /** A {@link FrameHandler} threw; the frame is considered consumed by it. */
    default void handlerFailed(LocalPort port, Throwable cause) {}

    /**
     * Something inside the VTEP failed unexpectedly: a bug, an {@link Error}, a failing clock. The packet or frame in
     * hand, if any, was dropped and counted as {@code INTERNAL_ERROR} (and reported to {@link #dropped} too); a
     * failed ageing sweep is counted there as well and tried again at the next interval. The VTEP keeps running.
     *
     * @param cause what was thrown; log it, do not rethrow it
     */
    default void internalError(Throwable cause) {}
}
