package io.vtep4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Library;
import com.sun.jna.Native;
import io.vtep4j.interop.InnerFrames;
import io.vtep4j.testing.Ports;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * Without CAP_NET_RAW, {@link Vtep.Builder#sourcePortRange} falls back to the bound port and says so in exactly one
 * warning. Capabilities are per thread on Linux: the VTEP is built on a thread that dropped CAP_NET_RAW from its
 * effective set (the raw sockets are opened by the building thread), so the test needs no unprivileged user.
 */
class SourcePortRangeFallbackTest {

    private static final int CAP_NET_RAW = 13;
    /** {@code _LINUX_CAPABILITY_VERSION_3}: two 32-bit words per set. */
    private static final int CAPABILITY_VERSION_3 = 0x20080522;

    interface Caps extends Library {
        Caps LIBC = Native.load("c", Caps.class);

        int capget(int[] header, int[] data);

        int capset(int[] header, int[] data);
    }

    /** Clears CAP_NET_RAW from the calling thread's effective set. */
    private static void dropNetRawOnThisThread() {
        int[] header = {CAPABILITY_VERSION_3, 0};
        int[] data = new int[6]; // {effective, permitted, inheritable} x 2
        assertEquals(0, Caps.LIBC.capget(header, data), "capget");
        data[0] &= ~(1 << CAP_NET_RAW);
        assertEquals(0, Caps.LIBC.capset(header, data), "capset");
    }

    @Test
    void withoutCapNetRawTheBoundPortIsUsedAndOneWarningSaysWhy() throws Exception {
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger logger = Logger.getLogger("io.vtep4j");
        logger.addHandler(handler);
        int port = Ports.freeUdp();
        AtomicReference<Object> built = new AtomicReference<>();
        Thread builder = new Thread(() -> {
            try {
                dropNetRawOnThisThread();
                built.set(Vtep.builder()
                        .localAddress("127.0.0.1")
                        .port(port)
                        .eventLoops(2)
                        .sourcePortRange(49152, 65535)
                        .build());
            } catch (Throwable t) {
                built.set(t);
            }
        });
        try (DatagramSocket peer = new DatagramSocket(new InetSocketAddress("127.0.0.2", port))) {
            builder.start();
            builder.join(30_000);
            if (!(built.get() instanceof Vtep)) {
                throw new AssertionError("build failed: " + built.get());
            }
            try (Vtep v = (Vtep) built.get()) {
                List<LogRecord> warnings = records.stream()
                        .filter(r -> r.getLevel() == Level.WARNING)
                        .toList();
                assertEquals(1, warnings.size(), () -> "one warning for two event loops: " + warnings);
                String message = warnings.get(0).getMessage();
                assertTrue(message.startsWith("sourcePortRange 49152-65535: raw UDP send path unavailable ("), message);
                assertTrue(message.contains("CAP_NET_RAW"), message);
                assertTrue(message.contains("sending from the bound port " + port), message);

                peer.setSoTimeout(10_000);
                LocalPort local = v.segment(5083).floodTo("127.0.0.2").attach(f -> f.release());
                for (int flow = 0; flow < 8; flow++) {
                    local.send(InnerFrames.udpFrame(1000 + flow));
                }
                byte[] buf = new byte[2048];
                for (int i = 0; i < 8; i++) {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    peer.receive(p);
                    assertEquals(port, p.getPort(), "fallback: the bound port");
                }
            }
        } finally {
            logger.removeHandler(handler);
        }
    }
}
