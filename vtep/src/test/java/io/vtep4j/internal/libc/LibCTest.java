package io.vtep4j.internal.libc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shared binding on this machine's libc: overloads of one symbol (an array and a native-memory form) reach the
 * same call, and a failed call leaves its errno for {@link LibC#errno()}. Needs no privileges; Linux only.
 */
class LibCTest {

    /** {@code <sys/socket.h>}: SOCK_DGRAM. */
    private static final int SOCK_DGRAM = 2;
    /** {@code <asm-generic/errno-base.h>}: EBADF. */
    private static final int EBADF = 9;

    @BeforeAll
    static void linuxOnly() {
        assumeTrue(System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux"), "Linux only");
    }

    @Test
    void theArrayAndTheNativeMemoryFormsOfSetsockoptAndGetsockoptMeetOnOneSocket() {
        int fd = LibC.socket(LibC.AF_INET, SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        assertTrue(fd >= 0, () -> LibC.failure("socket", LibC.errno()));
        Memory m = new Memory(16);
        try {
            // set through the int[] form, read back through the pointer form: the kernel doubles what was set
            assertEquals(0, LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUF, new int[] {4096}, Integer.BYTES));
            long a = Pointer.nativeValue(m);
            m.setInt(8, Integer.BYTES);
            assertEquals(0, LibC.getsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUF, a, a + 8));
            assertEquals(8192, m.getInt(0), "SO_RCVBUF as the kernel reports it");
            // and the other way round
            m.setInt(0, 6000);
            assertEquals(0, LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUF, a, Integer.BYTES));
            m.setInt(8, Integer.BYTES);
            assertEquals(0, LibC.getsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUF, a, a + 8));
            assertEquals(12000, m.getInt(0));
        } finally {
            assertEquals(0, LibC.close(fd));
        }
    }

    @Test
    void theArrayFormOfGetsockoptReadsAnIntOptionAndItsLength() {
        int fd = LibC.socket(LibC.AF_INET, SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        assertTrue(fd >= 0, () -> LibC.failure("socket", LibC.errno()));
        try {
            assertEquals(0, LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUF, new int[] {5000}, Integer.BYTES));
            int[] value = new int[1];
            int[] length = {Integer.BYTES};
            assertEquals(0, LibC.getsockopt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUF, value, length));
            assertEquals(10000, value[0], "SO_RCVBUF as the kernel reports it");
            assertEquals(Integer.BYTES, length[0], "the size the kernel wrote back");
        } finally {
            assertEquals(0, LibC.close(fd));
        }
        assertEquals(-1, LibC.getsockopt(-1, LibC.SOL_SOCKET, LibC.SO_RCVBUF, new int[1], new int[] {Integer.BYTES}));
        assertEquals(EBADF, LibC.errno(), "the array form of getsockopt");
    }

    @Test
    void aFailedCallLeavesItsErrnoAndTheMessageNamesIt() {
        assertEquals(-1, LibC.close(-1));
        int errno = LibC.errno();
        assertEquals(EBADF, errno);
        String message = LibC.failure("close(-1)", errno);
        assertTrue(message.startsWith("close(-1) failed: ") && message.endsWith(" (errno 9)"), message);
        assertEquals(-1, LibC.bind(-1, new byte[16], 16));
        assertEquals(EBADF, LibC.errno(), "the byte[] form of bind");
    }
}
