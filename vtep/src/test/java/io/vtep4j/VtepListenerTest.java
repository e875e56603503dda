package io.vtep4j;

import static io.vtep4j.testing.Frames.BROADCAST;
import static io.vtep4j.testing.Frames.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.DropReason;
import io.vtep4j.interop.Await;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.Ports;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Listeners hear drops and failing handlers; a throwing handler never stops the data path; snapshots are frozen. */
class VtepListenerTest {

    static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void reportsDropsAndFailingHandlersAndKeepsForwarding() throws Exception {
        List<String> drops = new CopyOnWriteArrayList<>();
        AtomicInteger failures = new AtomicInteger();
        VtepListener listener = new VtepListener() {
            @Override
            public void dropped(DropReason reason, int vni, InetAddress source) {
                drops.add(reason.label() + "/" + vni + "/" + (source == null ? "-" : source.getHostAddress()));
            }

            @Override
            public void handlerFailed(LocalPort port, Throwable cause) {
                failures.incrementAndGet();
                throw new IllegalStateException("a listener that throws is ignored too");
            }
        };
        int port = Ports.freeUdp();
        try (Sink sink = new Sink();
                Vtep a = Vtep.builder().localAddress("127.0.0.1").port(port).build();
                Vtep b = Vtep.builder()
                        .localAddress("127.0.0.2")
                        .port(port)
                        .listener(listener)
                        .build()) {
            LocalPort pa = a.segment(8).floodTo("127.0.0.2").attach(ByteBuf::release);
            b.segment(8).allowRemotes("127.0.0.9").attach(sink);
            pa.send(frame(BROADCAST, MacAddress.parse("02:00:00:00:00:01")));
            Await.until(WAIT, () -> drops.size() == 1, drops::toString);
            assertEquals("remote-not-allowed/8/127.0.0.1", drops.get(0));

            b.segment(8).allowRemotes(java.util.Set.of());
            b.segment(8).attach(frame -> {
                frame.release();
                throw new IllegalStateException("handler bug");
            });
            pa.send(frame(BROADCAST, MacAddress.parse("02:00:00:00:00:01")));
            pa.send(frame(BROADCAST, MacAddress.parse("02:00:00:00:00:01")));
            for (int i = 0; i < 2; i++) {
                ByteBuf f = sink.poll(WAIT.toMillis());
                assertNotNull(f, "the healthy port still gets frame " + i);
                f.release();
            }
            Await.until(WAIT, () -> failures.get() == 2, () -> "failures: " + failures.get());
            assertEquals(1, drops.size());
        }
    }

    @Test
    void statsAreAnImmutableSnapshotAndBothFamiliesBind() throws Exception {
        int port = Ports.freeUdp();
        try (Vtep v = Vtep.builder()
                .localAddress("127.0.0.1")
                .localAddress("::1")
                .port(port)
                .build()) {
            List<InetSocketAddress> bound = v.boundAddresses();
            assertEquals(2, bound.size());
            assertEquals(InetAddress.getByName("::1"), bound.get(1).getAddress());
            LocalPort p = v.segment(1).attach(ByteBuf::release);
            p.send(frame(BROADCAST, MacAddress.parse("02:00:00:00:00:01")));
            VtepStats before = v.stats();
            p.send(frame(BROADCAST, MacAddress.parse("02:00:00:00:00:01")));
            assertEquals(1, before.dropped(DropReason.NO_FLOOD_TARGETS));
            assertEquals(2, v.stats().dropped(DropReason.NO_FLOOD_TARGETS));
            assertEquals(1, before.segment(1).framesFromPorts());
            assertThrows(
                    UnsupportedOperationException.class, () -> before.drops().clear());
            assertThrows(
                    UnsupportedOperationException.class, () -> before.segments().clear());
        }
    }
}
