package io.vtep4j.internal.netlink;

import io.netty.buffer.ByteBuf;
import java.io.IOException;

/**
 * An interface's kind as rtnetlink names it ({@code RTM_GETLINK}, {@code IFLA_LINKINFO} → {@code IFLA_INFO_KIND}):
 * "veth", "vxlan", "bridge", ... Physical interfaces have none. Also its MTU, its Ethernet address and whether it is up,
 * from the same answer.
 */
public final class LinkKind {
    private static final int IFLA_ADDRESS = 1;
    private static final int IFLA_MTU = 4;
    private static final int IFF_UP = 1;
    private static final int IFLA_LINKINFO = 18;
    private static final int IFLA_INFO_KIND = 1;
    /** Longer kinds are not read: the kernel's are short words. */
    private static final int MAX_KIND = 32;

    private LinkKind() {}

    /**
     * The kind of interface {@code ifindex} in this thread's network namespace, or null if it has none, is gone, or
     * the kernel did not answer.
     */
    public static String of(int ifindex) {
        return ask(ifindex, LinkKind::parse, null);
    }

    /** Reads one part of an {@code RTM_NEWLINK} answer. */
    private interface Part<T> {
        T parse(ByteBuf answer, int length, int ifindex);
    }

    /** Asks the kernel about {@code ifindex} and reads {@code part} of its answer; {@code none} without one. */
    private static <T> T ask(int ifindex, Part<T> part, T none) {
        if (ifindex <= 0) {
            return none;
        }
        try (Rtnetlink netlink = Rtnetlink.open()) {
            int n = netlink.getLink(ifindex);
            return n < 0 ? none : part.parse(netlink.buffer(), n, ifindex);
        } catch (IOException e) {
            return none;
        }
    }

    /**
     * The MTU of interface {@code ifindex} in this thread's network namespace ({@code IFLA_MTU}), or -1 if it is gone
     * or the kernel did not answer.
     */
    public static int mtu(int ifindex) {
        return ask(ifindex, LinkKind::parseMtu, -1);
    }

    /**
     * Whether interface {@code ifindex} is administratively up ({@code IFF_UP} in the answer's {@code ifi_flags}): 1
     * up, 0 down, -1 gone or no answer.
     */
    public static int up(int ifindex) {
        return ask(ifindex, LinkKind::parseUp, -1);
    }

    /**
     * What a kernel-side program is built for, of interface {@code ifindex}, in one answer: whether it is up, its MTU
     * and its Ethernet address; null if it is gone or the kernel did not answer.
     */
    public static State state(int ifindex) {
        return ask(ifindex, LinkKind::parseState, null);
    }

    /**
     * An interface as {@link #state} reads it: {@code up} 1 or 0 as {@link #up}; {@code mtu} as {@link #mtu} (-1 if
     * the answer has none); {@code mac} the low 48 bits, first byte most significant, or -1 where the interface has
     * no 6-byte address (loopback's is all zero, a tunnel's none or longer).
     */
    public record State(int up, int mtu, long mac) {}

    /** {@link #state} from an {@code RTM_NEWLINK} answer of {@code length} bytes for {@code ifindex}. */
    static State parseState(ByteBuf answer, int length, int ifindex) {
        int up = parseUp(answer, length, ifindex);
        if (up < 0) {
            return null;
        }
        return new State(up, parseMtu(answer, length, ifindex), parseMac(answer, length, ifindex));
    }

    /** The 6-byte {@code IFLA_ADDRESS} in an answer as {@link #state} reads it, or -1. */
    static long parseMac(ByteBuf answer, int length, int ifindex) {
        int attributes = Rtnetlink.linkAttributes(answer, length, ifindex);
        int address = attributes < 0 ? -1 : Rtnetlink.attribute(answer, attributes, length, IFLA_ADDRESS);
        if (address < 0 || (answer.getShortLE(address) & 0xFFFF) != 4 + 6) {
            return -1;
        }
        long mac = 0;
        for (int i = 0; i < 6; i++) {
            mac = mac << 8 | (answer.getByte(address + 4 + i) & 0xFF);
        }
        return mac == 0 ? -1 : mac;
    }

    /** {@link #up} from an {@code RTM_NEWLINK} answer of {@code length} bytes for {@code ifindex}. */
    static int parseUp(ByteBuf answer, int length, int ifindex) {
        if (Rtnetlink.linkAttributes(answer, length, ifindex) < 0) {
            return -1;
        }
        return (answer.getIntLE(Rtnetlink.HEADER + 8) & IFF_UP) != 0 ? 1 : 0;
    }

    /** The MTU in an {@code RTM_NEWLINK} answer of {@code length} bytes for {@code ifindex}, or -1 as for a kind. */
    static int parseMtu(ByteBuf answer, int length, int ifindex) {
        int attributes = Rtnetlink.linkAttributes(answer, length, ifindex);
        int mtu = attributes < 0 ? -1 : Rtnetlink.attribute(answer, attributes, length, IFLA_MTU);
        if (mtu < 0 || (answer.getShortLE(mtu) & 0xFFFF) < 8) {
            return -1;
        }
        int value = answer.getIntLE(mtu + 4);
        return value < 0 ? -1 : value;
    }

    /**
     * The kind in an {@code RTM_NEWLINK} answer of {@code length} bytes for interface {@code ifindex}; null if it is
     * another message or another interface's, carries no kind, or an attribute claims more than its container holds.
     */
    static String parse(ByteBuf answer, int length, int ifindex) {
        int attributes = Rtnetlink.linkAttributes(answer, length, ifindex);
        int info = attributes < 0 ? -1 : Rtnetlink.attribute(answer, attributes, length, IFLA_LINKINFO);
        if (info < 0) {
            return null;
        }
        int infoEnd = info + (answer.getShortLE(info) & 0xFFFF);
        int kind = Rtnetlink.attribute(answer, info + 4, infoEnd, IFLA_INFO_KIND);
        if (kind < 0) {
            return null;
        }
        int n = Math.min((answer.getShortLE(kind) & 0xFFFF) - 4, MAX_KIND);
        StringBuilder text = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            int c = answer.getByte(kind + 4 + i) & 0xFF;
            if (c == 0) {
                break;
            }
            if (c < 0x20 || c > 0x7E) {
                return null; // a kind is a printable word; anything else is not an answer to trust
            }
            text.append((char) c);
        }
        return text.isEmpty() ? null : text.toString();
    }
}
