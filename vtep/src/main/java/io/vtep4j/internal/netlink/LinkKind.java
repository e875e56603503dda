package io.vtep4j.internal.netlink;

import io.netty.buffer.ByteBuf;
import java.io.IOException;

/**
 * An interface's kind as rtnetlink names it ({@code RTM_GETLINK}, {@code IFLA_LINKINFO} → {@code IFLA_INFO_KIND}):
 * "veth", "vxlan", "bridge", ... Physical interfaces have none.
 */
public final class LinkKind {
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
        if (ifindex <= 0) {
            return null;
        }
        try (Rtnetlink netlink = Rtnetlink.open()) {
            int n = netlink.getLink(ifindex);
            return n < 0 ? null : parse(netlink.buffer(), n, ifindex);
        } catch (IOException e) {
            return null;
        }
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
