package io.vtep4j.evpn;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.vtep4j.interop.Await;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The test daemon itself: a restart that finds its port still held waits for it instead of failing the test. */
class FakeGobgpdTest {

    @Test
    void aStartWhileThePortIsBrieflyHeldWaitsAndThenServes() throws Exception {
        try (FakeGobgpd bgp = new FakeGobgpd()) {
            ServerSocket holder = new ServerSocket(bgp.port, 1, InetAddress.getByName("127.0.0.1"));
            CompletableFuture<FakeGobgpd> started;
            try {
                started = CompletableFuture.supplyAsync(bgp::start);
                Await.until(Duration.ofSeconds(10), () -> bgp.bindsRefused.get() >= 2, () -> "no bind refused yet");
                assertFalse(started.isDone(), "still waiting for the port");
            } finally {
                holder.close();
            }
            started.get(FakeGobgpd.BIND_WAIT_MS + 5_000, TimeUnit.MILLISECONDS);
            assertDoesNotThrow(
                    () -> new Socket("127.0.0.1", bgp.port).close(), "the fake serves once the port is free");
        }
    }
}
