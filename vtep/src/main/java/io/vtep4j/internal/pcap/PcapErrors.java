package io.vtep4j.internal.pcap;

import java.util.Locale;

/** Turns libpcap's open errors into the exceptions of vtep4j's API. Thread-safe (stateless). */
public final class PcapErrors {

    private PcapErrors() {}

    /**
     * Maps a failure to open a live capture on {@code interfaceName}: missing privilege becomes an
     * {@link IllegalStateException} naming the interface and CAP_NET_RAW; anything else an
     * {@link IllegalStateException} carrying libpcap's own words.
     */
    public static IllegalStateException openFailed(String interfaceName, Exception cause) {
        String detail = String.valueOf(cause.getMessage());
        String lower = detail.toLowerCase(Locale.ROOT);
        if (lower.contains("permission") || lower.contains("operation not permitted")) {
            return new IllegalStateException(
                    "PcapPort " + interfaceName + ": capturing and injecting frames needs "
                            + "root or CAP_NET_RAW, which this process does not have (libpcap: " + detail.strip() + ")",
                    cause);
        }
        return new IllegalStateException(
                "PcapPort " + interfaceName + ": cannot open a live capture (libpcap: " + detail.strip() + ")", cause);
    }
}
