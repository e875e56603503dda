package io.vtep4j.interop;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.HexFormat;

/** Inner Ethernet frames for tests that feed a local port directly. */
public final class InnerFrames {

    private InnerFrames() {}

    /**
     * Broadcast Ethernet carrying IPv4 (DF set) UDP 10.50.1.1:5000 -> 10.50.1.2:{@code dstPort}, 4 bytes of data: one
     * inner flow per destination port. The caller owns the buffer.
     */
    public static ByteBuf udpFrame(int dstPort) {
        return udpFrame(dstPort, true);
    }

    /** {@link #udpFrame(int)} with the inner IPv4 DF bit as given. */
    public static ByteBuf udpFrame(int dstPort, boolean df) {
        String udp = "1388" + String.format("%04x", dstPort) + "000c0000" + "01020304";
        String ip = "450000200000" + (df ? "4000" : "0000") + "4011" + "0000" + "0a3201010a320102";
        return Unpooled.wrappedBuffer(HexFormat.of().parseHex("ffffffffffff" + "020000000001" + "0800" + ip + udp));
    }
}
