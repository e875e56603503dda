package io.vtep4j.learning;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/** Shared test helpers: a fake clock, locations, MACs and a recording listener. */
final class Fixtures {

    static final int VNI = 5001;
    static final long MAC_A = MacAddress.parse("02:00:00:00:00:0a");
    static final long MAC_B = MacAddress.parse("02:00:00:00:00:0b");
    static final Location VTEP_1 = remote("192.0.2.1");
    static final Location VTEP_2 = remote("192.0.2.2");
    static final Location VTEP_3 = remote("192.0.2.3");
    static final Location PORT_1 = Location.localPort(1, "vm1");
    static final Location PORT_2 = Location.localPort(2, "vm2");

    private Fixtures() {}

    static Location remote(String address) {
        try {
            return Location.remote(InetAddress.getByName(address));
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** A MAC that is unicast, non-zero and unique per n. */
    static long mac(long n) {
        return 0x0200_0000_0000L | n;
    }

    /** A clock that moves only when told to. */
    static final class FakeTicker implements LongSupplier {
        private long nanos = 1_000_000_000L;

        @Override
        public synchronized long getAsLong() {
            return nanos;
        }

        synchronized void advance(Duration by) {
            nanos += by.toNanos();
        }
    }

    /** Records every event as one readable line. */
    static final class RecordingListener implements FdbListener {
        final List<String> events = new ArrayList<>();

        @Override
        public synchronized void learned(int vni, long mac, Location location) {
            events.add("learned " + vni + " " + MacAddress.toString(mac) + " " + location);
        }

        @Override
        public synchronized void moved(int vni, long mac, Location from, Location to) {
            events.add("moved " + vni + " " + MacAddress.toString(mac) + " " + from + " -> " + to);
        }

        @Override
        public synchronized void aged(int vni, long mac, Location location) {
            events.add("aged " + vni + " " + MacAddress.toString(mac) + " " + location);
        }

        @Override
        public synchronized void evicted(int vni, long mac, Location location) {
            events.add("evicted " + vni + " " + MacAddress.toString(mac) + " " + location);
        }

        @Override
        public synchronized void duplicate(int vni, long mac, Location location) {
            events.add("duplicate " + vni + " " + MacAddress.toString(mac) + " " + location);
        }

        @Override
        public synchronized void removed(int vni, long mac, Location location) {
            events.add("removed " + vni + " " + MacAddress.toString(mac) + " " + location);
        }

        @Override
        public synchronized void installed(int vni, long mac, Location location) {
            events.add("installed " + vni + " " + MacAddress.toString(mac) + " " + location);
        }

        @Override
        public synchronized void flushed(int vni, Location where) {
            events.add("flushed " + vni + " " + where);
        }

        synchronized List<String> drain() {
            final List<String> out = new ArrayList<>(events);
            events.clear();
            return out;
        }
    }
}
