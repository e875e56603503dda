package io.vtep4j.internal.netlink;

import io.netty.buffer.ByteBuf;

/** Builds rtnetlink link answers for the parsers' tests: a header, then the attributes a test writes, then the end. */
final class LinkAnswers {
    private LinkAnswers() {}

    /**
     * Clears {@code answer} and writes a message of {@code type} for {@code ifindex}: header (length set by
     * {@link #end}), {@code struct ifinfomsg}, and an IFLA_MTU attribute the parsers must step over.
     */
    static void begin(ByteBuf answer, int type, int ifindex) {
        answer.clear();
        answer.writeIntLE(0);
        answer.writeShortLE(type);
        answer.writeShortLE(0); // flags
        answer.writeIntLE(1); // sequence
        answer.writeIntLE(0); // port id
        answer.writeByte(0).writeByte(0).writeShortLE(1); // ifinfomsg: family, pad, type ARPHRD_ETHER
        answer.writeIntLE(ifindex);
        answer.writeIntLE(0).writeIntLE(0); // flags, change
        answer.writeShortLE(8).writeShortLE(4).writeIntLE(1500); // IFLA_MTU
    }

    /** Sets the message's length to what was written; returns it. */
    static int end(ByteBuf answer) {
        answer.setIntLE(0, answer.writerIndex());
        return answer.writerIndex();
    }
}
