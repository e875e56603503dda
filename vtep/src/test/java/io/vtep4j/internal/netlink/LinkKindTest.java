package io.vtep4j.internal.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vtep4j.internal.libc.LibC;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Reading an interface's kind from an {@code RTM_NEWLINK} answer: found inside {@code IFLA_LINKINFO} after other
 * attributes, and nothing from an answer for another message or interface, without a kind, or whose attributes lie
 * about their lengths or carry bytes no kind has; and one real request, for loopback, which has no kind.
 */
class LinkKindTest {
    private static final int IFINDEX = 9;
    private static final int IFLA_LINKINFO = 18;
    private static final int NLA_F_NESTED = 0x8000;

    private final ByteBuf answer = Unpooled.buffer(1024);

    @AfterEach
    void release() {
        answer.release();
    }

    /**
     * An answer of {@code type} for {@code ifindex}: IFLA_MTU, then IFLA_LINKINFO holding IFLA_INFO_DATA (empty) and
     * IFLA_INFO_KIND {@code kind} (none if null); {@code kindLengthLie} is added to the kind attribute's length.
     */
    private int answer(int type, int ifindex, byte[] kind, int kindLengthLie) {
        LinkAnswers.begin(answer, type, ifindex);
        int info = answer.writerIndex();
        answer.writeShortLE(0).writeShortLE(IFLA_LINKINFO | NLA_F_NESTED);
        answer.writeShortLE(4).writeShortLE(2 | NLA_F_NESTED); // IFLA_INFO_DATA, empty
        if (kind != null) {
            answer.writeShortLE(4 + kind.length + 1 + kindLengthLie).writeShortLE(1); // IFLA_INFO_KIND
            answer.writeBytes(kind).writeByte(0);
            while ((answer.writerIndex() & 3) != 0) {
                answer.writeByte(0);
            }
        }
        answer.setShortLE(info, answer.writerIndex() - info);
        return LinkAnswers.end(answer);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void readsTheKindInsideLinkInfo() {
        assertEquals("veth", LinkKind.parse(answer, answer(16, IFINDEX, ascii("veth"), 0), IFINDEX));
        assertEquals("vxlan", LinkKind.parse(answer, answer(16, IFINDEX, ascii("vxlan"), 0), IFINDEX));
    }

    @Test
    void nothingFromAnotherMessageOrInterface() {
        assertNull(LinkKind.parse(answer, answer(2, IFINDEX, ascii("veth"), 0), IFINDEX)); // NLMSG_ERROR
        assertNull(LinkKind.parse(answer, answer(16, IFINDEX + 1, ascii("veth"), 0), IFINDEX));
    }

    @Test
    void nothingWithoutAKind() {
        assertNull(LinkKind.parse(answer, answer(16, IFINDEX, null, 0), IFINDEX));
        assertNull(LinkKind.parse(answer, answer(16, IFINDEX, new byte[0], 0), IFINDEX));
    }

    @Test
    void nothingFromLyingLengthsOrUnprintableBytes() {
        // the kind claims more than its container holds
        assertNull(LinkKind.parse(answer, answer(16, IFINDEX, ascii("veth"), 64), IFINDEX));
        // the message is cut short inside the container
        int n = answer(16, IFINDEX, ascii("veth"), 0);
        assertNull(LinkKind.parse(answer, n - 8, IFINDEX));
        // a kind with a control byte, or shorter than its header
        assertNull(LinkKind.parse(answer, answer(16, IFINDEX, new byte[] {'v', 1, 't'}, 0), IFINDEX));
        assertNull(LinkKind.parse(answer, answer(16, IFINDEX, ascii("veth"), -6), IFINDEX));
    }

    @Test
    void readsTheMtuOfTheInterfaceAskedFor() {
        assertEquals(1500, LinkKind.parseMtu(answer, answer(16, IFINDEX, ascii("veth"), 0), IFINDEX));
        assertEquals(-1, LinkKind.parseMtu(answer, answer(16, IFINDEX + 1, ascii("veth"), 0), IFINDEX));
        assertEquals(-1, LinkKind.parseMtu(answer, answer(2, IFINDEX, null, 0), IFINDEX));
        assertEquals(-1, LinkKind.parseMtu(answer, 16 + 16 + 6, IFINDEX), "cut inside the MTU attribute");
        int lo = LinkKind.mtu(LibC.if_nametoindex("lo"));
        assertTrue(lo >= 68, "loopback's, from the kernel: " + lo);
        assertEquals(-1, LinkKind.mtu(0));
    }

    @Test
    void readsWhetherTheInterfaceIsUp() {
        int n = answer(16, IFINDEX, ascii("veth"), 0);
        assertEquals(0, LinkKind.parseUp(answer, n, IFINDEX), "flags 0");
        answer.setIntLE(16 + 8, 0x1 | 0x40); // IFF_UP | IFF_RUNNING
        assertEquals(1, LinkKind.parseUp(answer, n, IFINDEX));
        assertEquals(-1, LinkKind.parseUp(answer, n, IFINDEX + 1), "another interface's answer");
        assertEquals(1, LinkKind.up(LibC.if_nametoindex("lo")), "loopback, from the kernel");
        assertEquals(-1, LinkKind.up(0));
    }

    /** An answer with IFLA_ADDRESS of {@code address} after the MTU, flags {@code flags}. */
    private int answerWithAddress(int ifindex, int flags, byte[] address, int lengthLie) {
        LinkAnswers.begin(answer, 16, ifindex);
        answer.setIntLE(16 + 8, flags);
        answer.writeShortLE(4 + address.length + lengthLie).writeShortLE(1); // IFLA_ADDRESS
        answer.writeBytes(address);
        while ((answer.writerIndex() & 3) != 0) {
            answer.writeByte(0);
        }
        return LinkAnswers.end(answer);
    }

    @Test
    void readsUpMtuAndEthernetAddressInOneAnswer() {
        byte[] mac = {2, 0, 0, 0, 0x0E, 0x01};
        assertEquals(
                new LinkKind.State(1, 1500, 0x02_00_00_00_0E_01L),
                LinkKind.parseState(answer, answerWithAddress(IFINDEX, 1, mac, 0), IFINDEX));
        assertEquals(
                new LinkKind.State(0, 1500, 0x02_00_00_00_0E_01L),
                LinkKind.parseState(answer, answerWithAddress(IFINDEX, 0, mac, 0), IFINDEX));
        assertNull(LinkKind.parseState(answer, answerWithAddress(IFINDEX + 1, 1, mac, 0), IFINDEX), "another's");
        // no Ethernet address: none, all zero (loopback), a longer one, a length that lies
        assertEquals(
                -1,
                LinkKind.parseState(answer, answer(16, IFINDEX, ascii("veth"), 0), IFINDEX)
                        .mac());
        assertEquals(-1, LinkKind.parseMac(answer, answerWithAddress(IFINDEX, 1, new byte[6], 0), IFINDEX));
        assertEquals(-1, LinkKind.parseMac(answer, answerWithAddress(IFINDEX, 1, new byte[16], 0), IFINDEX));
        assertEquals(-1, LinkKind.parseMac(answer, answerWithAddress(IFINDEX, 1, mac, 64), IFINDEX));
        assertEquals(-1, LinkKind.parseMac(answer, answerWithAddress(IFINDEX, 1, mac, -2), IFINDEX));
        int n = answerWithAddress(IFINDEX, 1, mac, 0);
        assertEquals(-1, LinkKind.parseMac(answer, n - 4, IFINDEX), "cut inside the address");
        LinkKind.State lo = LinkKind.state(LibC.if_nametoindex("lo"));
        assertEquals(new LinkKind.State(1, lo.mtu(), -1), lo, "loopback, from the kernel");
        assertNull(LinkKind.state(0));
    }

    @Test
    void loopbackHasNoKindAndAMissingInterfaceNone() {
        int lo = LibC.if_nametoindex("lo");
        assertEquals(1, lo, "loopback's index");
        assertNull(LinkKind.of(lo));
        assertNull(LinkKind.of(0));
        assertNull(LinkKind.of(Integer.MAX_VALUE));
    }
}
