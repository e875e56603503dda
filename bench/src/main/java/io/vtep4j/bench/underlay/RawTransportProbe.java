package io.vtep4j.bench.underlay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.vtep4j.internal.raw.RawIpSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Throughput probe for the NVGRE raw transport candidates (run by hand, as root, inside a fresh network namespace so
 * every packet stays on its loopback), from the repository root:
 *
 * <pre>
 * mvn -B -q -pl bench -am -DskipTests package
 * ip netns add rawprobe &amp;&amp; ip -n rawprobe link set lo up
 * ip netns exec rawprobe java -Dio.netty.leakDetection.level=disabled -cp bench/target/benchmarks.jar \
 *     io.vtep4j.bench.underlay.RawTransportProbe TX RX SECONDS FRAME_BYTES
 * ip netns del rawprobe
 * </pre>
 *
 * TX is {@code jna} (a thread calling sendto(2) through JNA) or {@code epoll} (Netty writes, flush per 32);
 * RX is {@code blocking} (a thread in recvfrom(2) through JNA), {@code handoff} (the same thread handing each packet
 * in a pooled ByteBuf to an event loop, as the Underlay contract requires), {@code epoll} (EpollDatagramChannel on
 * the raw fd, one recvfrom per packet) or {@code mmsg} (the same with recvmmsg batching). The sender is bound to
 * 127.0.0.2 and sends GRE to 127.0.0.1; only loopback is ever addressed. Prints tx and rx packets per second and
 * the CPU time per packet of the sending and the receiving thread (on loopback the kernel's receive path runs in
 * the sender's sendto(2), so the receiving thread's time is the cost of the receive mechanism itself).
 */
public final class RawTransportProbe {

    private static final java.lang.management.ThreadMXBean CPU =
            java.lang.management.ManagementFactory.getThreadMXBean();
    private static final InetAddress RX = address("127.0.0.1");
    private static final InetAddress TX = address("127.0.0.2");

    private RawTransportProbe() {}

    /** Runs one TX/RX combination for the given seconds (bounded) and prints the rates. */
    public static void main(String[] args) throws Exception {
        String tx = args[0];
        String rx = args[1];
        long seconds = Math.min(Long.parseLong(args[2]), 30);
        int frame = Integer.parseInt(args[3]);
        byte[] gre = greMessage(frame);
        LongAdder received = new LongAdder();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        RawIpSocket rxSocket = RawIpSocket.open(
                        RX, RawIpSocket.IPPROTO_GRE, !"blocking".equals(rx) && !"handoff".equals(rx))
                .buffers(4 << 20);
        RawIpSocket txSocket =
                RawIpSocket.open(TX, RawIpSocket.IPPROTO_GRE, !"jna".equals(tx)).buffers(4 << 20);
        Thread blockingReader = null;
        EpollDatagramChannel rxChannel = null;
        EpollDatagramChannel txChannel = null;
        try {
            EventLoop handoffLoop = null;
            if ("blocking".equals(rx) || "handoff".equals(rx)) {
                handoffLoop = "handoff".equals(rx) ? group.next() : null;
                blockingReader = blockingReader(rxSocket, received, handoffLoop);
            } else {
                rxChannel = new EpollDatagramChannel(rxSocket.fd());
                if ("mmsg".equals(rx)) {
                    rxChannel.config().setOption(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, 2048);
                    rxChannel.config().setMaxMessagesPerRead(64);
                }
                rxChannel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        received.increment();
                        ReferenceCountUtil.release(msg);
                    }
                });
                group.register(rxChannel).sync();
            }
            if ("epoll".equals(tx)) {
                txChannel = new EpollDatagramChannel(txSocket.fd());
                group.register(txChannel).sync();
            }
            long rxThread = blockingReader != null ? blockingReader.getId() : threadOf(rxChannel);
            long txThread = txChannel != null
                    ? threadOf(txChannel)
                    : Thread.currentThread().getId();
            long loopThread = handoffLoop != null
                    ? handoffLoop.submit(() -> Thread.currentThread().getId()).get(5, TimeUnit.SECONDS)
                    : -1;
            long rxCpu0 = CPU.getThreadCpuTime(rxThread) + (loopThread < 0 ? 0 : CPU.getThreadCpuTime(loopThread));
            long txCpu0 = CPU.getThreadCpuTime(txThread);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            long start = System.nanoTime();
            long sent;
            if (txChannel != null) {
                sent = sendEpoll(txChannel, gre, deadline);
            } else {
                sent = sendJna(txSocket, gre, deadline);
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            long settle = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
            long last = -1;
            while (System.nanoTime() < settle && received.sum() != last) {
                last = received.sum();
                Thread.sleep(50);
            }
            long rxCpu =
                    CPU.getThreadCpuTime(rxThread) + (loopThread < 0 ? 0 : CPU.getThreadCpuTime(loopThread)) - rxCpu0;
            long txCpu = CPU.getThreadCpuTime(txThread) - txCpu0;
            System.out.printf(
                    "tx=%s rx=%s frame=%d: sent %.0f pps, received %.0f pps (%d of %d);"
                            + " tx thread %.0f ns/packet, rx thread %.0f ns/packet%n",
                    tx,
                    rx,
                    frame,
                    sent / elapsed,
                    received.sum() / elapsed,
                    received.sum(),
                    sent,
                    (double) txCpu / sent,
                    (double) rxCpu / Math.max(1, received.sum()));
        } finally {
            if (txChannel != null) {
                txChannel.close().sync();
            } else {
                txSocket.close();
            }
            if (rxChannel != null) {
                rxChannel.close().sync();
            } else {
                rxSocket.close();
            }
            if (blockingReader != null) {
                blockingReader.join(2000);
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static long threadOf(EpollDatagramChannel channel) throws Exception {
        return channel.eventLoop().submit(() -> Thread.currentThread().getId()).get(5, TimeUnit.SECONDS);
    }

    private static long sendJna(RawIpSocket socket, byte[] gre, long deadline) {
        byte[] to = RawIpSocket.sockaddr(RX);
        long sent = 0;
        while ((sent & 255) != 0 || System.nanoTime() < deadline) {
            try {
                socket.sendTo(gre, gre.length, to);
                sent++;
            } catch (IOException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }
        return sent;
    }

    private static long sendEpoll(EpollDatagramChannel channel, byte[] gre, long deadline) throws Exception {
        InetSocketAddress to = new InetSocketAddress(RX, 0);
        long[] sent = new long[1];
        java.util.concurrent.CompletableFuture<Long> done = new java.util.concurrent.CompletableFuture<>();
        Runnable burst = new Runnable() {
            @Override
            public void run() {
                if (System.nanoTime() >= deadline || !channel.isActive()) {
                    done.complete(sent[0]);
                    return;
                }
                for (int i = 0; i < 32 && channel.isWritable(); i++) {
                    ByteBuf buf = PooledByteBufAllocator.DEFAULT
                            .directBuffer(gre.length)
                            .writeBytes(gre);
                    channel.write(new DatagramPacket(buf, to));
                    sent[0]++;
                }
                channel.flush();
                channel.eventLoop().execute(this);
            }
        };
        channel.eventLoop().execute(burst);
        return done.get(deadline - System.nanoTime() + TimeUnit.SECONDS.toNanos(5), TimeUnit.NANOSECONDS);
    }

    private static Thread blockingReader(RawIpSocket socket, LongAdder received, EventLoop handoff) {
        Thread t = new Thread(
                () -> {
                    byte[] buf = new byte[2048];
                    while (true) {
                        try {
                            int n = socket.receive(buf);
                            if (handoff == null) {
                                received.increment();
                                continue;
                            }
                            // What the Underlay contract needs from a reader thread: the packet in a ByteBuf, handed to
                            // an event loop of the engine's group.
                            ByteBuf packet = PooledByteBufAllocator.DEFAULT
                                    .directBuffer(n)
                                    .writeBytes(buf, 0, n);
                            handoff.execute(() -> {
                                received.increment();
                                packet.release();
                            });
                        } catch (IOException e) {
                            return; // EBADF after close
                        }
                    }
                },
                "raw-blocking-reader");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static byte[] greMessage(int frame) {
        byte[] gre = new byte[8 + frame];
        gre[0] = 0x20; // K bit
        gre[2] = 0x65;
        gre[3] = 0x58; // TEB
        gre[4] = 0x12;
        gre[5] = 0x34;
        gre[6] = 0x56;
        gre[7] = 0x01;
        return gre;
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
