package io.vtep4j;

import static io.vtep4j.testing.Frames.BROADCAST;
import static io.vtep4j.testing.Frames.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.vtep4j.interop.Await;
import io.vtep4j.learning.FdbEntry;
import io.vtep4j.learning.ForwardingTable;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.Ports;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Through the engine: two remote VTEPs sending frames that claim the MAC of a host behind a local port cannot take
 * it, nor freeze it away from the port.
 */
class VtepLocalWinsTest {

    private static final int VNI = 5001;
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final long HOST = MacAddress.parse("02:00:00:00:00:0a");

    @RegisterExtension
    final Closer closeables = new Closer();

    private Vtep vtep(String address, int port) {
        return vtep(Vtep.builder().localAddress(address).port(port).eventLoops(1));
    }

    private Vtep vtep(Vtep.Builder builder) {
        final Vtep v = builder.build();
        closeables.addFirst(v);
        return v;
    }

    private Sink sink() {
        final Sink s = new Sink();
        closeables.add(s);
        return s;
    }

    @Test
    void twelveSpoofedPacketsFromTwoOuterSourcesLeaveTheHostsMacAtItsPort() throws Exception {
        final int port = Ports.freeUdp();
        final Vtep gateway = vtep("127.0.0.1", port);
        final Vtep spoofer1 = vtep("127.0.0.2", port);
        final Vtep spoofer2 = vtep("127.0.0.3", port);
        final Sink trunk = sink();
        final LocalPort host = gateway.segment(VNI).attach("trunk", trunk);
        final LocalPort s1 = spoofer1.segment(VNI).floodTo("127.0.0.1").attach("s1", sink());
        final LocalPort s2 = spoofer2.segment(VNI).floodTo("127.0.0.1").attach("s2", sink());
        final ForwardingTable fdb = gateway.forwardingTable();

        host.send(frame(BROADCAST, HOST)); // the host speaks: its MAC is learned at the trunk port
        Await.until(WAIT, () -> fdb.lookup(VNI, HOST) != null, fdb::show);
        for (int i = 0; i < 6; i++) {
            s1.send(frame(BROADCAST, HOST));
            s2.send(frame(BROADCAST, HOST));
        }
        // Each spoofed broadcast is still delivered to the trunk; once all twelve are in, all were judged.
        Await.until(WAIT, () -> trunk.size() == 12, () -> trunk.size() + " frames at the trunk");

        final Location at = fdb.lookup(VNI, HOST);
        assertFalse(at.isRemote(), fdb.show());
        assertEquals("trunk", at.name());
        assertEquals(FdbEntry.Type.LEARNED, fdb.entries(VNI).get(0).type(), fdb.show());
        assertEquals(12, fdb.counters().refusedLocal(), fdb.counters().toString());
        assertEquals(0, fdb.counters().duplicates());
    }

    @Test
    void withTheHoldTurnedOffAHostThatSpeaksFromARemoteVtepMovesThere() throws Exception {
        final int port = Ports.freeUdp();
        final Vtep gateway = vtep(Vtep.builder()
                .localAddress("127.0.0.1")
                .port(port)
                .eventLoops(1)
                .localHold(Duration.ZERO));
        final Vtep remote = vtep("127.0.0.2", port);
        final LocalPort host = gateway.segment(VNI).attach("trunk", sink());
        final LocalPort moved = remote.segment(VNI).floodTo("127.0.0.1").attach("moved", sink());
        final ForwardingTable fdb = gateway.forwardingTable();

        host.send(frame(BROADCAST, HOST));
        Await.until(WAIT, () -> fdb.lookup(VNI, HOST) != null, fdb::show);
        moved.send(frame(BROADCAST, HOST));
        Await.until(WAIT, () -> fdb.lookup(VNI, HOST).isRemote(), fdb::show);
        assertEquals(0, fdb.counters().refusedLocal(), fdb.counters().toString());
    }
}
