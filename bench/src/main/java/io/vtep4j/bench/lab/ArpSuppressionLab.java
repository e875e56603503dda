package io.vtep4j.bench.lab;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.vtep4j.LocalPort;
import io.vtep4j.Segment;
import io.vtep4j.Vtep;
import io.vtep4j.encap.Arp;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.encap.NeighborReplies;
import java.util.ArrayList;
import java.util.List;

/**
 * How much flooding ARP suppression removes: 100 hosts, 50 behind VTEP A (127.0.0.1) and 50 behind VTEP B
 * (127.0.0.2), one VNI, head-end replication. Each host announces itself (gratuitous ARP), then ARPs once for each
 * of the other 99 (a neighbour-cache warm-up); hosts answer requests for their own address. Run once with
 * suppression off and once on; prints frames flooded from local ports and tunnel packets sent, summed over A and B.
 * Bounded: 10,000 requests per run, every wait has a deadline.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar io.vtep4j.bench.lab.ArpSuppressionLab}
 */
public final class ArpSuppressionLab {

    private static final int HOSTS_PER_VTEP = 50;
    private static final int VNI = 100;
    private static final int PORT = 47_89;

    private ArpSuppressionLab() {}

    public static void main(String[] args) throws Exception {
        long[] off = run(false);
        long[] on = run(true);
        System.out.printf("suppression off: floods %d, underlay packets %d%n", off[0], off[1]);
        System.out.printf("suppression on:  floods %d, underlay packets %d, answered %d%n", on[0], on[1], on[2]);
        System.out.printf(
                "flooded frames removed: %.1f %%, underlay packets removed: %.1f %%%n",
                100.0 * (off[0] - on[0]) / off[0], 100.0 * (off[1] - on[1]) / off[1]);
    }

    /** {floods, underlay packets, answered} of one run. */
    private static long[] run(boolean suppress) throws Exception {
        try (Vtep a = Vtep.builder()
                        .localAddress("127.0.0.1")
                        .port(PORT)
                        .suppressNeighbors(suppress)
                        .build();
                Vtep b = Vtep.builder()
                        .localAddress("127.0.0.2")
                        .port(PORT)
                        .suppressNeighbors(suppress)
                        .build()) {
            List<Host> hosts = new ArrayList<>();
            attach(a.segment(VNI).floodTo("127.0.0.2"), 0, hosts);
            attach(b.segment(VNI).floodTo("127.0.0.1"), HOSTS_PER_VTEP, hosts);
            for (Host h : hosts) {
                h.port.send(arpRequest(h.mac, h.ip, h.ip)); // gratuitous ARP
            }
            if (suppress) {
                await(() -> a.neighborTable().size() == hosts.size()
                        && b.neighborTable().size() == hosts.size());
            } else {
                Thread.sleep(500); // nothing to wait for: the announcements only flood
            }
            for (Host h : hosts) {
                for (Host other : hosts) {
                    if (other != h) {
                        h.port.send(arpRequest(h.mac, h.ip, other.ip));
                    }
                }
                Thread.sleep(2); // pacing: 99 requests per host, so that loopback sockets do not overflow
            }
            // Settled when no frame entered either VTEP for half a second (replies to the last requests included).
            long last = -1;
            for (int i = 0; i < 60; i++) {
                long now = a.stats().segment(VNI).framesFromPorts()
                        + b.stats().segment(VNI).framesFromPorts();
                if (now == last) {
                    break;
                }
                last = now;
                Thread.sleep(500);
            }
            return new long[] {
                a.stats().segment(VNI).floods() + b.stats().segment(VNI).floods(),
                a.stats().segment(VNI).packetsToUnderlay()
                        + b.stats().segment(VNI).packetsToUnderlay(),
                a.neighborTable().counters().answered()
                        + b.neighborTable().counters().answered()
            };
        }
    }

    private static void attach(Segment segment, int first, List<Host> hosts) {
        for (int i = first; i < first + HOSTS_PER_VTEP; i++) {
            Host h = new Host(0x0200_0000_1000L + i, 0x0A00_0000L + 1 + i);
            h.port = segment.attach("h" + i, h::onFrame);
            hosts.add(h);
        }
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("lab did not settle within 30 s");
            }
            Thread.sleep(10);
        }
    }

    private static ByteBuf arpRequest(long mac, long senderIp, long targetIp) {
        ByteBuf f = Unpooled.buffer(60);
        f.writeShort(0xFFFF).writeInt(0xFFFF_FFFF); // broadcast
        f.writeShort((int) (mac >>> 32)).writeInt((int) mac);
        f.writeShort(Ethernet.TYPE_ARP).writeShort(Arp.HARDWARE_ETHERNET).writeShort(Ethernet.TYPE_IPV4);
        f.writeByte(6).writeByte(4).writeShort(Arp.REQUEST);
        f.writeShort((int) (mac >>> 32)).writeInt((int) mac).writeInt((int) senderIp);
        f.writeZero(6).writeInt((int) targetIp);
        return f.writeZero(60 - f.writerIndex());
    }

    /** A host: answers ARP requests for its own address. */
    private static final class Host {
        final long mac;
        final long ip;
        volatile LocalPort port;

        Host(long mac, long ip) {
            this.mac = mac;
            this.ip = ip;
        }

        void onFrame(ByteBuf frame) {
            try {
                int at = frame.readerIndex();
                int arp = at + Ethernet.HEADER_LENGTH;
                if (Ethernet.etherType(frame, at) == Ethernet.TYPE_ARP
                        && Arp.operation(frame, arp) == Arp.REQUEST
                        && Arp.targetIp(frame, arp) == ip
                        && Arp.senderIp(frame, arp) != ip) {
                    port.send(NeighborReplies.arpReply(ByteBufAllocator.DEFAULT, frame, at, mac));
                }
            } finally {
                frame.release();
            }
        }
    }
}
