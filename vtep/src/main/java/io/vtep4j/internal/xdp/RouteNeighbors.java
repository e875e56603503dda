package io.vtep4j.internal.xdp;

import io.netty.buffer.ByteBuf;
import io.vtep4j.internal.libc.LibC;
import io.vtep4j.internal.netlink.Rtnetlink;
import java.io.IOException;

/**
 * Asks the kernel, over an rtnetlink socket, which MAC an IPv4 packet to a destination must carry: the route
 * ({@code RTM_GETROUTE}: output interface, gateway or on-link) and then the neighbour entry of the next hop
 * ({@code RTM_GETNEIGH} with {@code NDA_DST} on that interface). One request at a time, each answer awaited at most
 * {@link #TIMEOUT_SECONDS}; used on {@link NextHops}'s and {@link HopWatch}'s threads, never on an event loop.
 *
 * <p>A neighbour entry the kernel holds as stale has not been confirmed lately, and frames sent past the kernel's
 * stack (an XDP program, an AF_XDP socket) never make it confirm one: the kernel would keep a MAC that went away for
 * as long as nothing else sent there. So a stale answer is also a nudge: an {@code RTM_NEWNEIGH} with
 * {@code NTF_USE} marks the entry used, as a packet the kernel sent would, and the kernel then confirms it with a
 * probe or, with no answer, fails it (the next look-up then misses, and the engine's path resolves the address
 * anew).
 *
 * <p>Not thread-safe: one thread.
 */
final class RouteNeighbors implements NextHops.Resolver, AutoCloseable {
    static final int TIMEOUT_SECONDS = Rtnetlink.TIMEOUT_SECONDS;

    private static final int RTM_NEWROUTE = 24;
    private static final int RTM_GETROUTE = 26;
    private static final int RTM_NEWNEIGH = 28;
    private static final int RTM_GETNEIGH = 30;
    private static final int RTN_UNICAST = 1;
    private static final int RTA_DST = 1;
    private static final int RTA_OIF = 4;
    private static final int RTA_GATEWAY = 5;
    private static final int NDA_DST = 1;
    private static final int NDA_LLADDR = 2;
    private static final int NTF_USE = 0x01;
    /** {@code NUD_*} states whose MAC can be used; stale ones need the kernel to confirm them. */
    private static final int NUD_REACHABLE = 0x02;

    private static final int NUD_STALE = 0x04;
    private static final int NUD_DELAY = 0x08;
    private static final int NUD_PROBE = 0x10;
    private static final int NUD_NOARP = 0x40;
    private static final int NUD_PERMANENT = 0x80;

    private static final int NLMSG_HEADER = Rtnetlink.HEADER;

    private final Rtnetlink netlink;
    private final ByteBuf buffer;
    private volatile int ifindex;
    private long nudges;

    private RouteNeighbors(Rtnetlink netlink, int ifindex) {
        this.netlink = netlink;
        this.buffer = netlink.buffer();
        this.ifindex = ifindex;
    }

    /** A resolver for next hops reached through interface {@code ifindex}. */
    static RouteNeighbors open(int ifindex) throws IOException {
        return new RouteNeighbors(Rtnetlink.open(), ifindex);
    }

    /** Resolves next hops through interface {@code ifindex} from now on (the old one was deleted, and recreated). */
    void moveTo(int ifindex) {
        this.ifindex = ifindex;
    }

    @Override
    public long resolve(int destination) {
        int hop = route(destination);
        if (hop == -1) {
            return NextHops.MISS;
        }
        if (hop == -2) {
            return NextHops.OTHER_INTERFACE;
        }
        return neighbour(destination, hop);
    }

    /**
     * The next hop's address (the gateway, or {@code destination} on-link) if the route leaves through our interface
     * as plain unicast; -2 through another interface; -1 no route (or no answer). An address of -1 or -2
     * (255.255.255.255/254) is no unicast next hop anyway.
     */
    private int route(int destination) {
        // struct rtmsg { u8 family, dst_len, src_len, tos, table, protocol, scope, type; u32 flags; }
        int at = netlink.header(RTM_GETROUTE, 12 + 8);
        buffer.setByte(at, LibC.AF_INET);
        buffer.setByte(at + 1, 32);
        attribute(at + 12, RTA_DST, destination);
        int n = netlink.exchange(at + 20);
        if (n < 0 || buffer.getShortLE(4) != RTM_NEWROUTE || n < NLMSG_HEADER + 12) {
            return -1;
        }
        if ((buffer.getByte(NLMSG_HEADER + 7) & 0xFF) != RTN_UNICAST) {
            return -1; // local, broadcast, blackhole, unreachable...
        }
        int oif = -1;
        int gateway = destination;
        for (int a = NLMSG_HEADER + 12; a + 4 <= n; ) {
            int length = buffer.getShortLE(a) & 0xFFFF;
            int type = buffer.getShortLE(a + 2) & 0x3FFF;
            if (length < 4 || a + length > n) {
                break;
            }
            if (type == RTA_OIF && length >= 8) {
                oif = buffer.getIntLE(a + 4);
            } else if (type == RTA_GATEWAY && length >= 8) {
                gateway = buffer.getInt(a + 4);
            }
            a += (length + 3) & ~3;
        }
        return oif == ifindex ? gateway : -2;
    }

    /** The MAC of {@code hop} on our interface ({@link NextHops#STALE} added if unconfirmed), or a miss. */
    private long neighbour(int destination, int hop) {
        // struct ndmsg { u8 family, pad1; u16 pad2; s32 ifindex; u16 state; u8 flags, type; }
        int at = netlink.header(RTM_GETNEIGH, 12 + 8);
        buffer.setByte(at, LibC.AF_INET);
        buffer.setIntLE(at + 4, ifindex);
        attribute(at + 12, NDA_DST, hop);
        int n = netlink.exchange(at + 20);
        if (n < 0 || buffer.getShortLE(4) != RTM_NEWNEIGH || n < NLMSG_HEADER + 12) {
            return NextHops.MISS; // no entry (ENOENT): the kernel path will ARP for it
        }
        int state = buffer.getShortLE(NLMSG_HEADER + 8) & 0xFFFF;
        if ((state & (NUD_REACHABLE | NUD_PERMANENT | NUD_NOARP | NUD_STALE | NUD_DELAY | NUD_PROBE)) == 0) {
            return NextHops.MISS; // incomplete or failed
        }
        for (int a = NLMSG_HEADER + 12; a + 4 <= n; ) {
            int length = buffer.getShortLE(a) & 0xFFFF;
            int type = buffer.getShortLE(a + 2) & 0x3FFF;
            if (length < 4 || a + length > n) {
                break;
            }
            if (type == NDA_LLADDR && length == 4 + 6) {
                long mac = UdpFrame.mac(buffer, a + 4);
                boolean confirmed = (state & (NUD_REACHABLE | NUD_PERMANENT | NUD_NOARP)) != 0;
                if (state == NUD_STALE) {
                    use(hop);
                }
                return confirmed ? mac : mac | NextHops.STALE;
            }
            a += (length + 3) & ~3;
        }
        return NextHops.MISS;
    }

    /**
     * Marks the kernel's entry for {@code hop} on our interface used ({@code NTF_USE}), which starts its confirmation
     * as a packet the kernel sent would; true if the kernel took it (an entry that vanished meanwhile is not made).
     */
    boolean use(int hop) {
        int at = netlink.header(RTM_NEWNEIGH, 12 + 8);
        buffer.setByte(at, LibC.AF_INET);
        buffer.setIntLE(at + 4, ifindex);
        buffer.setByte(at + 10, NTF_USE);
        attribute(at + 12, NDA_DST, hop);
        if (netlink.command(at + 20) != 0) {
            return false;
        }
        nudges++;
        return true;
    }

    /** Stale entries this resolver had the kernel confirm. */
    long nudges() {
        return nudges;
    }

    /** A 4-byte attribute (network-order address) at {@code at}. */
    private void attribute(int at, int type, int address) {
        buffer.setShortLE(at, 8);
        buffer.setShortLE(at + 2, type);
        buffer.setInt(at + 4, address);
    }

    @Override
    public void close() {
        netlink.close();
    }
}
