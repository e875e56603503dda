package io.vtep4j.internal.netlink;

import io.netty.buffer.ByteBuf;
import java.io.IOException;

/**
 * An interface's own packet counters, asked of the kernel by index ({@code RTM_GETLINK}, attribute
 * {@code IFLA_STATS64}): the frames it received and sent, and the ones the kernel lost there, where no socket of ours
 * can count them: {@code rx_dropped} (among them a full per-CPU backlog, and a veth's full ring), {@code
 * rx_missed_errors} (a NIC's receive ring or FIFO was full) and {@code tx_dropped} (a frame handed to the interface
 * and thrown away: a veth whose peer refused it, a device without carrier).
 *
 * <p>Not thread-safe: one thread at a time (the socket and its buffer are shared by every request).
 */
public final class LinkCounters implements AutoCloseable {
    private static final int IFLA_STATS64 = 23;
    /** Offsets in {@code struct rtnl_link_stats64}, whose fields are all u64. */
    private static final int RX_PACKETS = 0;

    private static final int TX_PACKETS = 8;
    private static final int RX_DROPPED = 48;
    private static final int TX_DROPPED = 56;
    private static final int RX_MISSED_ERRORS = 120;
    /** The part of the structure read here; kernels since 2.6.35 send at least 23 fields. */
    private static final int STATS64_READ = RX_MISSED_ERRORS + 8;

    /** One reading; every counter counts since the interface was created. */
    public record Reading(long rxPackets, long txPackets, long rxDropped, long rxMissed, long txDropped) {
        /** Frames the kernel counted as lost at this interface, received and sent. */
        public long lost() {
            return rxDropped + rxMissed + txDropped;
        }
    }

    private final Rtnetlink netlink;

    private LinkCounters(Rtnetlink netlink) {
        this.netlink = netlink;
    }

    /** A reader on a socket of its own, in this thread's network namespace. */
    public static LinkCounters open() throws IOException {
        return new LinkCounters(Rtnetlink.open());
    }

    /** The counters of interface {@code ifindex}, or null if it is gone, the kernel did not answer or sent no stats. */
    public Reading read(int ifindex) {
        int n = netlink.getLink(ifindex);
        return n < 0 ? null : parse(netlink.buffer(), n, ifindex);
    }

    /**
     * The counters in an {@code RTM_NEWLINK} answer of {@code length} bytes for interface {@code ifindex}; null if it
     * is another message, another interface's, or carries no whole {@code IFLA_STATS64}. Attributes that claim more
     * than the message holds end the walk.
     */
    static Reading parse(ByteBuf answer, int length, int ifindex) {
        int attributes = Rtnetlink.linkAttributes(answer, length, ifindex);
        int a = attributes < 0 ? -1 : Rtnetlink.attribute(answer, attributes, length, IFLA_STATS64);
        if (a < 0 || (answer.getShortLE(a) & 0xFFFF) < 4 + STATS64_READ) {
            return null;
        }
        int s = a + 4;
        return new Reading(
                answer.getLongLE(s + RX_PACKETS),
                answer.getLongLE(s + TX_PACKETS),
                answer.getLongLE(s + RX_DROPPED),
                answer.getLongLE(s + RX_MISSED_ERRORS),
                answer.getLongLE(s + TX_DROPPED));
    }

    @Override
    public void close() {
        netlink.close();
    }
}
