package io.vtep4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.encap.Encapsulation;
import io.vtep4j.testing.Ports;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * {@link Vtep.Builder#underlayIo}: sockets by default; AF_XDP asked for where it cannot run falls back to sockets and
 * the VTEP works as without it (the AF_XDP path itself runs in the interop tests, as root in a namespace).
 */
class UnderlayIoTest {

    @Test
    void socketsByDefault() {
        try (Vtep vtep =
                Vtep.builder().localAddress("127.0.0.1").port(Ports.freeUdp()).build()) {
            assertEquals(UnderlayIo.SOCKET, vtep.underlayIo());
        }
    }

    @Test
    void nullIsRefusedByName() {
        NullPointerException e =
                assertThrows(NullPointerException.class, () -> Vtep.builder().underlayIo(null));
        assertEquals("underlayIo: null (expected: SOCKET, XDP or XDP_RECEIVE)", e.getMessage());
    }

    @Test
    void anXdpModeWithoutAnXdpUnderlayFailsAtBuildNamingBoth() {
        assertEquals(
                "xdpMode: null (expected: AUTO, NATIVE or GENERIC)",
                assertThrows(NullPointerException.class, () -> Vtep.builder().xdpMode(null))
                        .getMessage());
        for (XdpMode mode : List.of(XdpMode.NATIVE, XdpMode.GENERIC)) {
            Vtep.Builder builder = Vtep.builder()
                    .localAddress("127.0.0.1")
                    .port(Ports.freeUdp())
                    .xdpMode(mode);
            IllegalStateException e = assertThrows(IllegalStateException.class, builder::build);
            assertEquals(
                    "xdpMode: " + mode
                            + " with underlayIo(SOCKET) (expected: underlayIo(XDP) or underlayIo(XDP_RECEIVE),"
                            + " which attach an XDP program; SOCKET attaches none)",
                    e.getMessage());
        }
        try (Vtep vtep = Vtep.builder()
                .localAddress("127.0.0.1")
                .port(Ports.freeUdp())
                .xdpMode(XdpMode.AUTO)
                .build()) {
            assertEquals(UnderlayIo.SOCKET, vtep.underlayIo(), "AUTO is the default and goes with anything");
        }
    }

    @Test
    void anInterfaceWithoutEthernetFallsBackToSocketsAndStillBinds() {
        // XDP_RECEIVE with GSO passes the builder (a supported pair) and falls back as XDP does.
        for (UnderlayIo mode : List.of(UnderlayIo.XDP, UnderlayIo.XDP_RECEIVE)) {
            int port = Ports.freeUdp();
            try (Vtep vtep = Vtep.builder()
                    .localAddress("127.0.0.1")
                    .port(port)
                    .udpGso(mode == UnderlayIo.XDP_RECEIVE)
                    .underlayIo(mode)
                    .xdpMode(XdpMode.GENERIC)
                    .build()) {
                assertEquals(UnderlayIo.SOCKET, vtep.underlayIo(), "loopback has no MAC for AF_XDP frames");
                assertEquals(port, vtep.boundAddresses().get(0).getPort(), "the kernel socket owns the port");
            }
        }
    }

    @Test
    void severalEncapsulationsOrNvgreStayOnSockets() {
        List<Encapsulation> two = List.of(Encapsulation.VXLAN, Encapsulation.GRE_UDP);
        for (UnderlayIo mode : List.of(UnderlayIo.XDP, UnderlayIo.XDP_RECEIVE)) {
            assertEquals(UnderlayIo.SOCKET, UnderlayIoChoice.tried(mode, two), mode::toString);
            assertEquals(UnderlayIo.SOCKET, UnderlayIoChoice.tried(mode, List.of(Encapsulation.NVGRE)), mode::toString);
            assertEquals(mode, UnderlayIoChoice.tried(mode, List.of(Encapsulation.GRE_UDP)), mode::toString);
            assertEquals(mode, UnderlayIoChoice.tried(mode, List.of(Encapsulation.VXLAN)), mode::toString);
        }
        assertEquals(UnderlayIo.SOCKET, UnderlayIoChoice.tried(UnderlayIo.SOCKET, List.of(Encapsulation.VXLAN)));
    }

    @Test
    void nvgreWithXdpReceiveLogsOneLineNamingTheModeAndWhy() {
        List<String> lines = logged(() -> UnderlayIoChoice.tried(UnderlayIo.XDP_RECEIVE, List.of(Encapsulation.NVGRE)));
        assertEquals(1, lines.size(), lines::toString);
        assertTrue(lines.get(0).contains("kernel UDP sockets instead of AF_XDP (XDP_RECEIVE)"), lines::toString);
        assertTrue(lines.get(0).contains("NVGRE runs over raw IP protocol 47"), lines::toString);
        assertEquals(
                List.of(), logged(() -> UnderlayIoChoice.tried(UnderlayIo.XDP_RECEIVE, List.of(Encapsulation.VXLAN))));
    }

    /** The records {@code io.vtep4j} logs (through java.util.logging, System.Logger's default) while {@code r} runs. */
    private static List<String> logged(Runnable r) {
        Logger logger = Logger.getLogger("io.vtep4j");
        List<String> lines = new CopyOnWriteArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                lines.add(record.getMessage());
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        logger.addHandler(handler);
        try {
            r.run();
        } finally {
            logger.removeHandler(handler);
        }
        return List.copyOf(lines);
    }
}
