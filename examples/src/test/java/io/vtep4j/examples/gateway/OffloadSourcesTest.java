package io.vtep4j.examples.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vtep4j.learning.ForwardingTable;
import io.vtep4j.learning.Location;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Which table events the kernel-side programs get: where each MAC is, and which ones to forget. */
class OffloadSourcesTest {
    private final List<String> calls = new ArrayList<>();
    private final OffloadSources sources = new OffloadSources();

    private void record() {
        sources.target(
                new OffloadSources.Target() {
                    @Override
                    public void learned(int vni, long mac, InetAddress remote) {
                        calls.add("learned " + vni + " " + Long.toHexString(mac) + " " + remote.getHostAddress());
                    }

                    @Override
                    public void learnedLocal(int vni, long mac) {
                        calls.add("local " + vni + " " + Long.toHexString(mac));
                    }

                    @Override
                    public void forget(int vni, long mac) {
                        calls.add("forget " + vni + " " + Long.toHexString(mac));
                    }
                },
                null);
    }

    @Test
    void locationsAreHandedOnAndEndsForgotten() throws Exception {
        Location remote = Location.remote(InetAddress.getByName("10.99.0.2"));
        Location other = Location.remote(InetAddress.getByName("10.99.0.3"));
        Location trunk = Location.localPort(0, "vlan100");
        sources.learned(10100, 0xA, remote); // before a target: dropped
        record();
        sources.learned(10100, 0xA, remote);
        sources.learned(10100, 0xB, trunk);
        sources.moved(10100, 0xA, remote, other);
        sources.moved(10100, 0xA, other, trunk);
        sources.moved(10100, 0xB, trunk, remote);
        sources.aged(10100, 0xB, remote);
        sources.evicted(10100, 0xC, remote);
        sources.duplicate(10100, 0xD, remote);
        assertEquals(
                List.of(
                        "learned 10100 a 10.99.0.2",
                        "local 10100 b",
                        "learned 10100 a 10.99.0.3",
                        "local 10100 a",
                        "learned 10100 b 10.99.0.2",
                        "forget 10100 b",
                        "forget 10100 c",
                        "forget 10100 d"),
                calls);
    }

    @Test
    void aMacTheProgramsForwardedSinceTheLastRefreshIsLearnedAgainWhenItAges() throws Exception {
        AtomicLong now = new AtomicLong();
        ForwardingTable table = ForwardingTable.builder()
                .ticker(now::get)
                .ageing(Duration.ofSeconds(300))
                .listener(sources)
                .build();
        Location remote = Location.remote(InetAddress.getByName("10.99.0.2"));
        Location trunk = Location.localPort(0, "vlan100");
        Set<Long> marked = Set.of(0xAL, 0xCL); // the programs' marks: A at the remote, C on the trunk
        sources.target(
                new OffloadSources.Target() {
                    @Override
                    public void learned(int vni, long mac, InetAddress at) {
                        calls.add("learned " + Long.toHexString(mac));
                    }

                    @Override
                    public void learnedLocal(int vni, long mac) {
                        calls.add("local " + Long.toHexString(mac));
                    }

                    @Override
                    public void forget(int vni, long mac) {
                        calls.add("forget " + Long.toHexString(mac));
                    }

                    @Override
                    public boolean seen(int vni, long mac) {
                        return marked.contains(mac);
                    }
                },
                table);
        table.learn(10100, 0xA, remote);
        table.learn(10100, 0xB, remote);
        table.learn(10100, 0xC, trunk);
        calls.clear();

        now.addAndGet(Duration.ofSeconds(301).toNanos());
        assertEquals(3, table.expire());

        // B was idle: forgotten; A and C were forwarded in the kernel: back in the table where they were, and in
        // the maps without a gap (no forget)
        assertEquals(List.of("learned a", "forget b", "local c"), calls);
        assertEquals(remote, table.lookup(10100, 0xA));
        assertNull(table.lookup(10100, 0xB));
        assertEquals(trunk, table.lookup(10100, 0xC));
        assertEquals(2, sources.kept());

        // with a fresh age: a second sweep soon after leaves them
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        assertEquals(0, table.expire());
    }

    @Test
    void withoutATableAnAgedMacIsForgottenEvenIfMarked() {
        sources.target(
                new OffloadSources.Target() {
                    @Override
                    public void learned(int vni, long mac, InetAddress at) {}

                    @Override
                    public void learnedLocal(int vni, long mac) {}

                    @Override
                    public void forget(int vni, long mac) {
                        calls.add("forget " + Long.toHexString(mac));
                    }

                    @Override
                    public boolean seen(int vni, long mac) {
                        return true;
                    }
                },
                null);
        sources.aged(10100, 0xA, Location.localPort(0, "vlan100"));
        assertEquals(List.of("forget a"), calls);
        assertEquals(0, sources.kept());
    }
}
