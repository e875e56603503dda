package io.vtep4j.examples.pcap;

/** A capture that cannot be read: the message is the one line the command prints. Immutable. */
final class CaptureException extends Exception {
    private static final long serialVersionUID = 1L;

    CaptureException(String message) {
        super(message);
    }
}
