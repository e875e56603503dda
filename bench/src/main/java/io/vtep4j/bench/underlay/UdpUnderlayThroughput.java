package io.vtep4j.bench.underlay;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.SegmentedDatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Loopback throughput of the UDP transport primitives vtep4j's underlay uses, one knob at a time: recvmmsg
 * ({@code MAX_DATAGRAM_PAYLOAD_SIZE}), UDP GRO on receive, batched flush (sendmmsg) and UDP GSO on send.
 *
 * <p>One sender loop blasts datagrams at 127.0.0.1 for a fixed time; one receiver loop counts what arrives. Each
 * configuration runs {@code seconds} after a one-second warm-up; the output is one line per configuration. Not JMH:
 * it measures the kernel path, so it needs real sockets and wall-clock time. Loopback only (network safety rule).
 *
 * <pre>
 * mvn -B -q -o -pl bench -am package -DskipTests
 * java -Dio.netty.leakDetection.level=disabled -cp bench/target/benchmarks.jar \
 *     io.vtep4j.bench.underlay.UdpUnderlayThroughput [seconds=3] [payloadBytes=1400]
 * </pre>
 */
public final class UdpUnderlayThroughput {

    /** Datagrams written between flushes in the batched modes; also the GSO segment count. */
    static final int BURST = 32;

    private UdpUnderlayThroughput() {}

    /** One configuration. */
    record Mode(String name, int recvBatch, boolean gro, int flushEvery, boolean gso, boolean drain) {}

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 1400;
        Mode[] modes = {
            // Send side: the receiver batches (recvmmsg x32) so that the sender is the bottleneck.
            new Mode("send: flush per packet (sendmsg each)", 32, false, 1, false, false),
            new Mode("send: flush per 32 (sendmmsg x32)", 32, false, BURST, false, false),
            new Mode("send: GSO, 32 segments per sendmsg", 32, false, BURST, true, false),
            // Receive side: a GSO sender saturates; without GRO the kernel hands over single datagrams.
            new Mode("recv: recvmsg (1 per syscall)", 1, false, BURST, true, false),
            new Mode("recv: recvmmsg x32", 32, false, BURST, true, false),
            new Mode("recv: UDP GRO (recvmsg, 64 KiB slot)", 1, true, BURST, true, false),
            // A RECVBUF_ALLOCATOR set by hand reads ONE message per wakeup (maxMessagesPerRead 1), i.e. one
            // channelReadComplete (= one flush in the engine) per datagram; "drain" lets a wakeup read up to 64.
            new Mode("recv: recvmsg, drain (64 per wakeup)", 1, false, BURST, true, true),
            new Mode("recv: recvmmsg x32, drain (64 per wakeup)", 32, false, BURST, true, true),
            new Mode("recv: UDP GRO, drain (64 per wakeup)", 1, true, BURST, true, true),
        };
        System.out.printf(
                "payload %d bytes, %d s per mode, kernel %s, %d cores%n",
                size,
                seconds,
                System.getProperty("os.version"),
                Runtime.getRuntime().availableProcessors());
        for (Mode mode : modes) {
            run(mode, size, seconds);
        }
    }

    static void run(Mode mode, int size, int seconds) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        LongAdder packets = new LongAdder();
        LongAdder bytes = new LongAdder();
        LongAdder reads = new LongAdder();
        try {
            int slot = mode.gro() ? 65535 : size + 1;
            Bootstrap rb = new Bootstrap()
                    .group(group.next())
                    .channel(EpollDatagramChannel.class)
                    .option(ChannelOption.SO_RCVBUF, 4 << 20)
                    .option(
                            ChannelOption.RECVBUF_ALLOCATOR,
                            new FixedRecvByteBufAllocator(slot * mode.recvBatch())
                                    .maxMessagesPerRead(mode.drain() ? 64 : 1))
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            DatagramPacket p = (DatagramPacket) msg;
                            packets.increment();
                            bytes.add(p.content().readableBytes());
                            ReferenceCountUtil.release(msg);
                        }

                        @Override
                        public void channelReadComplete(ChannelHandlerContext ctx) {
                            reads.increment();
                        }
                    });
            if (mode.recvBatch() > 1) {
                rb.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, slot);
            }
            if (mode.gro()) {
                rb.option(EpollChannelOption.UDP_GRO, true);
            }
            Channel receiver =
                    rb.bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            InetSocketAddress target = (InetSocketAddress) receiver.localAddress();
            Channel sender = new Bootstrap()
                    .group(group.next())
                    .channel(EpollDatagramChannel.class)
                    .option(ChannelOption.SO_SNDBUF, 4 << 20)
                    .handler(new ChannelInboundHandlerAdapter())
                    .bind(new InetSocketAddress("127.0.0.1", 0))
                    .sync()
                    .channel();
            Blaster blaster = new Blaster(sender, target, size, mode);
            sender.eventLoop().execute(blaster);
            Thread.sleep(1000); // warm-up
            long p0 = packets.sum();
            long b0 = bytes.sum();
            long r0 = reads.sum();
            long s0 = blaster.sent;
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            long elapsed = System.nanoTime() - t0;
            long p = packets.sum() - p0;
            long sent = blaster.sent - s0;
            blaster.stop = true;
            double secs = elapsed / 1e9;
            System.out.printf(
                    "%-40s sent %,10.0f pps  received %,10.0f pps  %7.1f MB/s  loss %5.1f%%  " + "%5.1f pkts/read%n",
                    mode.name(),
                    sent / secs,
                    p / secs,
                    (bytes.sum() - b0) / secs / 1e6,
                    sent == 0 ? 0 : 100.0 * (sent - p) / sent,
                    (double) p / Math.max(1, reads.sum() - r0));
            sender.close().sync();
            receiver.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Writes bursts on the sender's loop and re-queues itself; volatile counters read by main. */
    static final class Blaster implements Runnable {
        final Channel channel;
        final InetSocketAddress target;
        final int size;
        final Mode mode;
        final ByteBuf template;
        volatile long sent;
        volatile boolean stop;

        Blaster(Channel channel, InetSocketAddress target, int size, Mode mode) {
            this.channel = channel;
            this.target = target;
            this.size = size;
            this.mode = mode;
            this.template = ByteBufAllocator.DEFAULT.directBuffer(size * BURST).writeZero(size * BURST);
        }

        @Override
        public void run() {
            if (stop || !channel.isActive()) {
                template.release();
                return;
            }
            if (channel.isWritable()) {
                if (mode.gso()) {
                    channel.writeAndFlush(
                            new SegmentedDatagramPacket(template.retainedDuplicate(), size, target),
                            channel.voidPromise());
                    sent += BURST;
                } else {
                    for (int i = 0; i < BURST; i++) {
                        channel.write(
                                new DatagramPacket(template.retainedSlice(0, size), target), channel.voidPromise());
                        if ((i + 1) % mode.flushEvery() == 0) {
                            channel.flush();
                        }
                    }
                    sent += BURST;
                }
            }
            channel.eventLoop().execute(this);
        }
    }
}
