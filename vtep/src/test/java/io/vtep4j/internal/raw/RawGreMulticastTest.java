package io.vtep4j.internal.raw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.vtep4j.internal.Transports;
import io.vtep4j.internal.UnderlayConfig;
import io.vtep4j.interop.Cmd;
import java.net.InetAddress;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * IPv4 multicast on the raw GRE transport between two network namespaces the test makes (a veth pair, no route
 * off the machine). Each underlay's sockets are created on a thread moved into its namespace with setns(2), so
 * nothing is sent from the build's own namespace. Needs root: skips loudly without, fails when CI=true.
 */
class RawGreMulticastTest {

    private static final String NS_A = "vtep4j-rawmc-" + ProcessHandle.current().pid() + "-a";
    private static final String NS_B = "vtep4j-rawmc-" + ProcessHandle.current().pid() + "-b";
    private static final InetAddress A = RawGreUnderlayTest.address("10.98.0.1");
    private static final InetAddress B = RawGreUnderlayTest.address("10.98.0.2");
    private static final InetAddress GROUP = RawGreUnderlayTest.address("239.7.7.7");
    private static final int CLONE_NEWNET = 0x40000000;

    private static EventLoopGroup group;
    private static ExecutorService inA;
    private static ExecutorService inB;

    @BeforeAll
    static void namespaces() throws Exception {
        RawSockets.assumeAvailable();
        Cmd.ok("ip", "netns", "add", NS_A);
        Cmd.ok("ip", "netns", "add", NS_B);
        Cmd.ok("ip", "link", "add", "va", "netns", NS_A, "type", "veth", "peer", "name", "vb", "netns", NS_B);
        Cmd.ok("ip", "-n", NS_A, "addr", "add", "10.98.0.1/24", "dev", "va");
        Cmd.ok("ip", "-n", NS_B, "addr", "add", "10.98.0.2/24", "dev", "vb");
        Cmd.ok("ip", "-n", NS_A, "link", "set", "va", "up");
        Cmd.ok("ip", "-n", NS_B, "link", "set", "vb", "up");
        inA = threadIn(NS_A);
        inB = threadIn(NS_B);
        // Safety rule: the sender's route to the peer is the test's veth.
        String route = Cmd.ok("ip", "netns", "exec", NS_A, "ip", "route", "get", "10.98.0.2");
        assertTrue(route.contains(" dev va "), route);
        group = Transports.newGroup(1, "rawmc");
    }

    @AfterAll
    static void teardown() throws InterruptedException {
        for (ExecutorService e : new ExecutorService[] {inA, inB}) {
            if (e != null) {
                e.shutdownNow();
            }
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        }
        Cmd.run("ip", "netns", "del", NS_A);
        Cmd.run("ip", "netns", "del", NS_B);
    }

    /** A single thread that has entered namespace {@code ns}; sockets it creates live there. */
    private static ExecutorService threadIn(String ns) throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "in-" + ns);
            t.setDaemon(true);
            return t;
        });
        executor.submit(() -> {
                    int fd = Ns.open("/var/run/netns/" + ns, 0);
                    try {
                        Ns.setns(fd, CLONE_NEWNET);
                    } finally {
                        Ns.close(fd);
                    }
                    return null;
                })
                .get(10, TimeUnit.SECONDS);
        return executor;
    }

    private static <T> T in(ExecutorService ns, Callable<T> body) throws Exception {
        return ns.submit(body).get(20, TimeUnit.SECONDS);
    }

    private static UnderlayConfig config(InetAddress local, String multicastInterface) {
        return UnderlayConfig.builder(group)
                .localAddress(local)
                .port(0)
                .ttl(5)
                .multicastInterface(multicastInterface)
                .maxFrameLength(1600)
                .readBatch(8)
                .build();
    }

    @Test
    void deliversGroupTrafficWhileJoinedAndUnicastExactlyOnce() throws Exception {
        RawGreUnderlayTest.Queue toB = new RawGreUnderlayTest.Queue();
        RawGreUnderlay a = new RawGreUnderlay(config(A, "va"));
        RawGreUnderlay b = new RawGreUnderlay(config(B, "vb"));
        try {
            in(inA, () -> {
                a.open(new RawGreUnderlayTest.Queue());
                return null;
            });
            in(inB, () -> {
                b.open(toB);
                b.joinGroup(GROUP);
                return null;
            });
            byte[] flood = RawGreUnderlayTest.gre(0x5000, 1, 60);
            assertTrue(a.send(Unpooled.wrappedBuffer(flood), GROUP, 0));
            a.flush();
            RawGreUnderlayTest.Queue.Item item = toB.take();
            assertArrayEquals(flood, item.bytes());
            assertEquals(A, item.source());

            // Unicast still arrives, once: the wildcard socket's copy is discarded.
            byte[] unicast = RawGreUnderlayTest.gre(0x5000, 2, 61);
            assertTrue(a.send(Unpooled.wrappedBuffer(unicast), B, 0));
            a.flush();
            assertArrayEquals(unicast, toB.take().bytes());

            in(inB, () -> {
                b.leaveGroup(GROUP);
                return null;
            });
            assertTrue(a.send(Unpooled.wrappedBuffer(RawGreUnderlayTest.gre(0x5000, 3, 62)), GROUP, 0));
            a.flush();
            // After the leave the group packet must not come; a unicast sent after it proves the path is live.
            byte[] marker = RawGreUnderlayTest.gre(0x5000, 4, 63);
            assertTrue(a.send(Unpooled.wrappedBuffer(marker), B, 0));
            a.flush();
            assertArrayEquals(marker, toB.take().bytes(), "after leaving, only the unicast marker arrives");
            assertNull(toB.poll(), "nothing else queued");
            assertTrue(toB.drops.isEmpty(), toB.drops::toString);
        } finally {
            a.close();
            b.close();
        }
    }

    /** setns(2) and friends; test-only. */
    private static final class Ns {
        static {
            Native.register(NativeLibrary.getInstance("c"));
        }

        static native int open(String path, int flags) throws LastErrorException;

        static native int setns(int fd, int nstype) throws LastErrorException;

        static native int close(int fd) throws LastErrorException;
    }
}
