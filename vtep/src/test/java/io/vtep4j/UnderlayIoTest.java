package io.vtep4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vtep4j.encap.Encapsulation;
import io.vtep4j.testing.Ports;
import java.util.List;
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
        assertEquals("underlayIo: null (expected: SOCKET or XDP)", e.getMessage());
    }

    @Test
    void anInterfaceWithoutEthernetFallsBackToSocketsAndStillBinds() {
        int port = Ports.freeUdp();
        try (Vtep vtep = Vtep.builder()
                .localAddress("127.0.0.1")
                .port(port)
                .underlayIo(UnderlayIo.XDP)
                .build()) {
            assertEquals(UnderlayIo.SOCKET, vtep.underlayIo(), "loopback has no MAC for AF_XDP frames");
            assertEquals(port, vtep.boundAddresses().get(0).getPort(), "the kernel socket owns the port");
        }
    }

    @Test
    void severalEncapsulationsOrNvgreStayOnSockets() {
        assertFalse(UnderlayIoChoice.afXdp(UnderlayIo.XDP, List.of(Encapsulation.VXLAN, Encapsulation.GRE_UDP)));
        assertFalse(UnderlayIoChoice.afXdp(UnderlayIo.XDP, List.of(Encapsulation.NVGRE)));
        assertFalse(UnderlayIoChoice.afXdp(UnderlayIo.SOCKET, List.of(Encapsulation.VXLAN)));
        assertEquals(true, UnderlayIoChoice.afXdp(UnderlayIo.XDP, List.of(Encapsulation.GRE_UDP)));
    }
}
