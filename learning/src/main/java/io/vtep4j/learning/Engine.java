package io.vtep4j.learning;

import java.time.Duration;
import java.util.List;

/** Implementation behind {@link ForwardingTable}; thread-safe. Work in progress. */
final class Engine {

    Engine(ForwardingTable.Builder builder) {
    }

    Location lookup(int vni, long mac) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    LearnResult learn(int vni, long mac, Location where) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    void addStatic(int vni, long mac, Location where) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    boolean remove(int vni, long mac) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    boolean unfreeze(int vni, long mac) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    int flush(int vni, Location where, boolean includeStatic) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    void ageing(int vni, Duration ageing) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    Duration ageing(int vni) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    int expire() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    List<FdbEntry> entries(int vni) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    int size() {
        return 0;
    }

    int size(int vni) {
        return 0;
    }

    FdbCounters counters() {
        return new FdbCounters(0, new long[11]);
    }
}
