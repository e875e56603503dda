package io.vtep4j.internal.mmsg;

import static io.vtep4j.internal.mmsg.MmsgLayout.CMSG_DATA_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.CMSG_LEN_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.CMSG_LEVEL_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.CMSG_TYPE_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.IN6_PKTINFO_LENGTH;
import static io.vtep4j.internal.mmsg.MmsgLayout.IPV6_PKTINFO;
import static io.vtep4j.internal.mmsg.MmsgLayout.IPV6_TCLASS;
import static io.vtep4j.internal.mmsg.MmsgLayout.IP_TOS;
import static io.vtep4j.internal.mmsg.MmsgLayout.MSG_CONTROLLEN_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.SOL_IP;
import static io.vtep4j.internal.mmsg.MmsgLayout.SOL_IPV6;
import static io.vtep4j.internal.mmsg.MmsgLayout.SOL_UDP;
import static io.vtep4j.internal.mmsg.MmsgLayout.UDP_GRO;
import static io.vtep4j.internal.mmsg.MmsgLayout.cmsgLen;
import static io.vtep4j.internal.mmsg.MmsgLayout.cmsgSpace;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The outer TOS / traffic class read from received control messages, laid out as the kernel writes them (64-bit
 * Linux): IP_TOS carries one byte, IPV6_TCLASS an int, next to the packet info.
 */
class ControlMessagesTest {

    private final MessageVector rx = new MessageVector(
            UnpooledByteBufAllocator.DEFAULT, 2, 0, MmsgLayout.RECEIVE_CONTROL_LENGTH + MmsgLayout.GRO_CONTROL_LENGTH);

    @AfterEach
    void release() {
        rx.release();
    }

    @Test
    void readsTheIpv4TosByteAfterThePacketInfo() {
        int c = cmsg(rx.control(0), SOL_IPV6, IPV6_PKTINFO, IN6_PKTINFO_LENGTH);
        int end = cmsg(c, SOL_IP, IP_TOS, 1);
        rx.buffer.setByte(c + CMSG_DATA_OFFSET, 0xbb);
        controlLength(0, end - rx.control(0));

        assertEquals(0xbb, ControlMessages.outerTos(rx, 0));
    }

    @Test
    void readsTheIpv6TrafficClassInt() {
        int c = rx.control(1);
        int end = cmsg(c, SOL_IPV6, IPV6_TCLASS, Integer.BYTES);
        rx.buffer.setIntLE(c + CMSG_DATA_OFFSET, 0x03);
        controlLength(1, end - c);

        assertEquals(0x03, ControlMessages.outerTos(rx, 1));
    }

    @Test
    void noTosMessageOrAMalformedOneReadsAsNotEct() {
        int c = rx.control(0);
        int end = cmsg(c, SOL_IPV6, IPV6_PKTINFO, IN6_PKTINFO_LENGTH);
        controlLength(0, end - c);
        assertEquals(0, ControlMessages.outerTos(rx, 0), "packet info only");

        int tos = cmsg(c, SOL_IP, IP_TOS, 1);
        rx.buffer.setByte(c + CMSG_DATA_OFFSET, 0x03);
        rx.buffer.setLongLE(c + CMSG_LEN_OFFSET, 4096); // longer than the control buffer
        controlLength(0, tos - c);
        assertEquals(0, ControlMessages.outerTos(rx, 0), "out-of-bounds cmsg_len ends the walk");

        rx.buffer.setLongLE(c + CMSG_LEN_OFFSET, cmsgLen(1));
        controlLength(0, 0);
        assertEquals(0, ControlMessages.outerTos(rx, 0), "msg_controllen 0: nothing was written");
        controlLength(0, tos - c);
        assertEquals(0x03, ControlMessages.outerTos(rx, 0));
    }

    @Test
    void readsTheGroSegmentSizeAfterTheOtherMessagesAndZeroWithoutOne() {
        int c = rx.control(1);
        int tos = cmsg(c, SOL_IP, IP_TOS, 1);
        int end = cmsg(tos, SOL_UDP, UDP_GRO, Integer.BYTES);
        rx.buffer.setIntLE(tos + CMSG_DATA_OFFSET, 1400);
        controlLength(1, end - c);
        assertEquals(1400, ControlMessages.groSegmentSize(rx, 1));

        rx.buffer.setIntLE(tos + CMSG_DATA_OFFSET, -5);
        assertEquals(-5, ControlMessages.groSegmentSize(rx, 1), "as written: GroSegments refuses it");

        controlLength(1, tos - c);
        assertEquals(0, ControlMessages.groSegmentSize(rx, 1), "not within msg_controllen: not coalesced");
        controlLength(1, end - c);
        rx.buffer.setIntLE(tos + CMSG_TYPE_OFFSET, UDP_GRO - 1);
        assertEquals(0, ControlMessages.groSegmentSize(rx, 1), "another type (UDP_SEGMENT)");
    }

    /** Writes a control message header at {@code at}; returns where the next one starts. */
    private int cmsg(int at, int level, int type, int dataLength) {
        rx.buffer.setLongLE(at + CMSG_LEN_OFFSET, cmsgLen(dataLength));
        rx.buffer.setIntLE(at + CMSG_LEVEL_OFFSET, level);
        rx.buffer.setIntLE(at + CMSG_TYPE_OFFSET, type);
        return at + cmsgSpace(dataLength);
    }

    private void controlLength(int i, int length) {
        rx.buffer.setLongLE(rx.header(i) + MSG_CONTROLLEN_OFFSET, length);
    }
}
