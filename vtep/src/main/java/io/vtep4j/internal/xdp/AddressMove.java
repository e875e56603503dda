package io.vtep4j.internal.xdp;

import java.net.InetAddress;

/**
 * Whether a local address has moved off the interface a program uses while that interface stays. A look enumerates
 * the host's interfaces, so {@link #moved} looks once every {@value #LOOK_EVERY} calls (about once a second at the
 * watch thread's pace) and answers as at the last look in between. Called by one round of following at a time.
 */
final class AddressMove {
    /** Calls of {@link #moved} per look. */
    static final int LOOK_EVERY = 5;

    private int sinceLook;
    private boolean elsewhere;

    /**
     * Whether, at the last look, an interface other than {@code index} held {@code local} (or one that cannot carry
     * a program, so that following it says why); looks again on every {@value #LOOK_EVERY}th call.
     */
    boolean moved(InetAddress local, int index) {
        if (++sinceLook >= LOOK_EVERY) {
            sinceLook = 0;
            elsewhere = UnderlayInterface.heldElsewhere(local, index);
        }
        return elsewhere;
    }

    /** The answer of the last look (or none moved, since {@link #followed}), without looking. */
    boolean elsewhere() {
        return elsewhere;
    }

    /** The program followed the address, or it is back on the interface the program uses: nothing has moved since. */
    void followed() {
        elsewhere = false;
    }
}
