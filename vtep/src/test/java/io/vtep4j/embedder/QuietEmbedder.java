package io.vtep4j.embedder;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vtep4j.LocalPort;
import io.vtep4j.PcapPort;
import io.vtep4j.Segment;
import io.vtep4j.Vtep;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * An application that embeds vtep4j-core and nothing else, run by {@code QuietEmbeddingTest} in a child JVM whose
 * class path is the core's runtime class path: two VTEPs on 127.0.0.1 and 127.0.0.2 flood one frame across, then
 * it tries a {@link PcapPort}, which needs pcap4j the application did not add. Reports on stdout only, so that
 * anything on stderr came from the libraries; exits 1 if the frame did not arrive.
 */
public final class QuietEmbedder {
    private static final int VNI = 5001;

    private QuietEmbedder() {}

    public static void main(String[] args) throws Exception {
        int port;
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            port = probe.getLocalPort();
        }
        try (Vtep a = Vtep.builder().localAddress("127.0.0.1").port(port).build();
                Vtep b = Vtep.builder().localAddress("127.0.0.2").port(port).build()) {
            CountDownLatch delivered = new CountDownLatch(1);
            b.segment(VNI).floodTo("127.0.0.1").attach(frame -> {
                frame.release();
                delivered.countDown();
            });
            Segment segment = a.segment(VNI).floodTo("127.0.0.2");
            LocalPort host = segment.attach(ByteBuf::release);
            ByteBuf frame = Unpooled.buffer(64);
            frame.writeShort(0xFFFF).writeInt(0xFFFF_FFFF); // broadcast
            frame.writeShort(0x0200).writeInt(0x0000_0001); // 02:00:00:00:00:01
            frame.writeShort(0x0800).writeZero(50);
            host.send(frame);
            if (!delivered.await(10, TimeUnit.SECONDS)) {
                System.out.println("no frame delivered");
                System.exit(1);
            }
            System.out.println("delivered");
            try (PcapPort pcap = PcapPort.open(segment, "lo")) {
                System.out.println("pcap: opened " + pcap);
            } catch (IllegalStateException e) {
                System.out.println("pcap: " + e.getMessage());
            }
        }
    }
}
