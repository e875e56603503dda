package io.vtep4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vtep4j.internal.libc.LibC;
import java.io.IOException;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Socket options on a plain UDP socket: what is set reads back, and a failure names the option, value and errno. */
class SocketOptionsTest {

    /** {@code <sys/socket.h>}: SOCK_DGRAM. */
    private static final int SOCK_DGRAM = 2;

    @BeforeAll
    static void linuxOnly() {
        assumeTrue(System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux"), "Linux only");
    }

    @Test
    void theOuterHeaderOptionsReadBack() throws IOException {
        int fd = LibC.socket(LibC.AF_INET, SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        assertTrue(fd >= 0, () -> LibC.failure("socket", LibC.errno()));
        try {
            SocketOptions.configureOuterHeader(fd, false, 9, true);
            assertEquals(9, SocketOptions.get(fd, SocketOptions.IPPROTO_IP, SocketOptions.IP_TTL));
            assertEquals(
                    SocketOptions.IP_PMTUDISC_DO,
                    SocketOptions.get(fd, SocketOptions.IPPROTO_IP, SocketOptions.IP_MTU_DISCOVER));
            assertEquals(1, SocketOptions.get(fd, SocketOptions.SOL_SOCKET, SocketOptions.SO_NO_CHECK));
        } finally {
            assertEquals(0, LibC.close(fd));
        }
    }

    @Test
    void aFailureNamesTheOptionTheValueAndErrno() {
        IOException set = assertThrows(
                IOException.class,
                () -> SocketOptions.set(-1, SocketOptions.IPPROTO_IP, SocketOptions.IP_TTL, 64, "IP_TTL"));
        assertTrue(set.getMessage().startsWith("setsockopt(IP_TTL, 64) failed: [9] "), set.getMessage());
        assertTrue(set.getMessage().length() > "setsockopt(IP_TTL, 64) failed: [9] ".length(), "with errno's text");
        IOException get = assertThrows(
                IOException.class, () -> SocketOptions.get(-1, SocketOptions.IPPROTO_IP, SocketOptions.IP_TTL));
        assertTrue(get.getMessage().startsWith("getsockopt(0, 2) failed: [9] "), get.getMessage());
    }
}
