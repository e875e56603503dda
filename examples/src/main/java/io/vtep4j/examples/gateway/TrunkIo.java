package io.vtep4j.examples.gateway;

import java.util.Locale;

/** How the gateway reads and writes its trunk ({@code --trunk-io}). */
enum TrunkIo {
    /** AF_PACKET where the platform has it, else pcap (with a log line saying so). */
    AUTO,
    /** An AF_PACKET socket with a TPACKET_V3 ring, on the VTEP's event loop; fails at start where unavailable. */
    AFPACKET,
    /** libpcap, on a receive thread of its own: portable, one frame per call. */
    PCAP,
    /**
     * AF_XDP in copy mode (an XDP program the gateway loads, an XSK on the VTEP's event loop); falls back to AF_PACKET
     * with a log line where XDP is unavailable. Explicit only: {@link #AUTO} stays on AF_PACKET.
     */
    XDP;

    /** Parses {@code --trunk-io}: {@code afpacket}, {@code xdp}, {@code pcap} or {@code auto}. */
    static TrunkIo parse(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "afpacket", "af_packet", "af-packet" -> AFPACKET;
            case "pcap" -> PCAP;
            case "xdp", "af_xdp", "af-xdp", "afxdp" -> XDP;
            default -> throw new ConfigException("--trunk-io " + text + ": expected afpacket, xdp, pcap or auto");
        };
    }
}
