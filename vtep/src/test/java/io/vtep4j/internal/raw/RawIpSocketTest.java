package io.vtep4j.internal.raw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vtep4j.internal.libc.LibC;
import io.vtep4j.interop.Cmd;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Opening raw sockets: the error a user without CAP_NET_RAW gets, argument checks. */
class RawIpSocketTest {

    @Test
    void permissionErrorsNameRootAndCapNetRaw() {
        for (int errno : new int[] {LibC.EPERM, LibC.EACCES}) {
            String message = RawIpSocket.openFailureMessage(errno, false, 47);
            assertTrue(message.contains("CAP_NET_RAW"), message);
            assertTrue(message.contains("root"), message);
            assertTrue(message.contains("socket(AF_INET, SOCK_RAW, 47)"), message);
            assertTrue(message.contains("errno " + errno), message);
        }
        assertTrue(RawIpSocket.openFailureMessage(LibC.EPERM, true, 47).contains("AF_INET6"));
    }

    @Test
    void otherErrorsSayWhatFailedWithoutBlamingPermissions() {
        String message = RawIpSocket.openFailureMessage(LibC.EAFNOSUPPORT, true, 47);
        assertTrue(message.startsWith("raw IP socket unsupported"), message);
        assertTrue(!message.contains("CAP_NET_RAW"), message);
    }

    @Test
    void rejectsProtocolNumbersOutsideOneByte() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> RawIpSocket.open(InetAddress.getLoopbackAddress(), 256));
        assertEquals("protocol: 256 (expected: 1..255)", e.getMessage());
    }

    @Test
    void aProcessWithoutCapNetRawGetsTheNamedError() {
        Cmd.Result child = withoutCapNetRaw();
        assertEquals(0, child.exitCode(), child.describe());
        assertTrue(child.stdout().contains("needs root or the CAP_NET_RAW capability"), child.describe());
    }

    @Test
    void buildingAnNvgreVtepWithoutCapNetRawFailsNamingIt() {
        Cmd.Result child = withoutCapNetRaw("vtep");
        assertEquals(0, child.exitCode(), child.describe());
        assertTrue(child.stdout().startsWith("UncheckedIOException: raw IP socket not permitted"), child.describe());
        assertTrue(child.stdout().contains("CAP_NET_RAW"), child.describe());
    }

    /** Runs {@link RawOpenCheck} in a child JVM whose bounding set lacks CAP_NET_RAW: socket() fails with EPERM. */
    private static Cmd.Result withoutCapNetRaw(String... args) {
        assumeTrue(Cmd.run("sh", "-c", "command -v setpriv").ok(), "setpriv (util-linux) not installed");
        assumeTrue(RawSocketsAvailable.asCurrentUser(), "this JVM has no CAP_NET_RAW itself");
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> argv = new ArrayList<>(List.of(
                "setpriv",
                "--bounding-set=-net_raw",
                "--inh-caps=-net_raw",
                "--",
                java,
                "-cp",
                System.getProperty("java.class.path"),
                RawOpenCheck.class.getName()));
        argv.addAll(List.of(args));
        return Cmd.run(Duration.ofSeconds(60), argv.toArray(String[]::new));
    }

    /** Whether this JVM may open raw sockets (as root in the build). */
    private static final class RawSocketsAvailable {
        static boolean asCurrentUser() {
            try {
                RawIpSocket.open(InetAddress.getLoopbackAddress(), RawIpSocket.IPPROTO_GRE)
                        .close();
                return true;
            } catch (IOException e) {
                return false;
            }
        }
    }
}
