package io.vtep4j.internal.mmsg;

import static io.vtep4j.internal.mmsg.MmsgLayout.CMSG_DATA_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.CMSG_LEN_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.CMSG_LEVEL_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.CMSG_TYPE_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.IPV6_TCLASS_CMSG;
import static io.vtep4j.internal.mmsg.MmsgLayout.IP_RECVTOS_CMSG;
import static io.vtep4j.internal.mmsg.MmsgLayout.MSG_CONTROLLEN_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.SOL_IP;
import static io.vtep4j.internal.mmsg.MmsgLayout.SOL_IPV6;
import static io.vtep4j.internal.mmsg.MmsgLayout.SOL_UDP;
import static io.vtep4j.internal.mmsg.MmsgLayout.UDP_GRO;
import static io.vtep4j.internal.mmsg.MmsgLayout.align;
import static io.vtep4j.internal.mmsg.MmsgLayout.cmsgLen;

import io.netty.buffer.ByteBuf;

/**
 * Reads the control messages the kernel wrote for a received datagram ({@code CMSG_FIRSTHDR} / {@code CMSG_NXTHDR}),
 * bounded by the {@code msg_controllen} it reported and the slot's size; a message whose length field is out of
 * bounds ends the walk. Allocation-free; stateless.
 */
final class ControlMessages {

    private ControlMessages() {}

    /**
     * The offset (in {@code rx.buffer}) of the data of the first control message of datagram {@code i} at
     * {@code level} / {@code type} carrying at least {@code minLength} bytes; -1 if there is none.
     */
    static int find(MessageVector rx, int i, int level, int type, int minLength) {
        ByteBuf v = rx.buffer;
        int start = rx.control(i);
        int end = start + (int) Math.min(v.getLongLE(rx.header(i) + MSG_CONTROLLEN_OFFSET), rx.controlLength());
        for (int c = start; c + CMSG_DATA_OFFSET <= end; ) {
            long cmsgLength = v.getLongLE(c + CMSG_LEN_OFFSET);
            if (cmsgLength < CMSG_DATA_OFFSET || cmsgLength > end - c) {
                return -1;
            }
            if (v.getIntLE(c + CMSG_LEVEL_OFFSET) == level
                    && v.getIntLE(c + CMSG_TYPE_OFFSET) == type
                    && cmsgLength >= cmsgLen(minLength)) {
                return c + CMSG_DATA_OFFSET;
            }
            c += align((int) cmsgLength);
        }
        return -1;
    }

    /**
     * The outer TOS (IPv4, an {@code IP_TOS} message of one byte) or traffic class (IPv6, an {@code IPV6_TCLASS}
     * message holding an int) of datagram {@code i}; 0 (Not-ECT, DSCP 0) when the kernel reported neither.
     */
    static int outerTos(MessageVector rx, int i) {
        if (rx.controlLength() == 0) {
            return 0;
        }
        int data = find(rx, i, SOL_IP, IP_RECVTOS_CMSG, Byte.BYTES);
        if (data >= 0) {
            return rx.buffer.getUnsignedByte(data);
        }
        data = find(rx, i, SOL_IPV6, IPV6_TCLASS_CMSG, Integer.BYTES);
        return data >= 0 ? rx.buffer.getIntLE(data) & 0xFF : 0;
    }

    /**
     * The segment size of message {@code i} from its {@code UDP_GRO} control message (an int, as the kernel wrote
     * it: checked by {@link GroSegments#count}); 0 when there is none, that is when the kernel did not coalesce it.
     */
    static int groSegmentSize(MessageVector rx, int i) {
        if (rx.controlLength() == 0) {
            return 0;
        }
        int data = find(rx, i, SOL_UDP, UDP_GRO, Integer.BYTES);
        return data >= 0 ? rx.buffer.getIntLE(data) : 0;
    }
}
