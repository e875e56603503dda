package io.vtep4j.examples.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vtep4j.learning.Location;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which table events the kernel-side programs get: where each MAC is, and which ones to forget. */
class OffloadSourcesTest {
    private final List<String> calls = new ArrayList<>();
    private final OffloadSources sources = new OffloadSources();

    private void record() {
        sources.target(new OffloadSources.Target() {
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
        });
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
}
