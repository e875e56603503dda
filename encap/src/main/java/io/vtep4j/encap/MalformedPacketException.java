package io.vtep4j.encap;

/**
 * Thrown by the strict decode variants (for tools and tests) with a message naming the value and the rule, e.g.
 * {@code incomplete VXLAN header: 5 bytes (expected: 8)}. The data-plane decoders never throw it. Immutable.
 */
public final class MalformedPacketException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final DropReason reason;

    /** Creates an exception for {@code reason} with a message naming the value and the rule. */
    public MalformedPacketException(DropReason reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** The drop reason the data-plane decoder would have counted. */
    public DropReason reason() {
        return reason;
    }
}
