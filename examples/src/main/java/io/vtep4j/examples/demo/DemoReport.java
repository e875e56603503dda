package io.vtep4j.examples.demo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What the demo observed: one {@link Fact} per claim it makes (the first ARP was flooded, the reply was unicast, ...),
 * each decided from the VTEPs' own counters and tables, never from timing. Filled in by the demo thread; read after
 * the demo returned. Not thread-safe.
 */
public final class DemoReport {
    /** One claim of the demo and whether it held. {@code key} is stable for tests; {@code detail} is for people. */
    public record Fact(String key, boolean held, String detail) {}

    private final List<Fact> facts = new ArrayList<>();

    Fact record(String key, boolean held, String detail) {
        Fact fact = new Fact(key, held, detail);
        facts.add(fact);
        return fact;
    }

    /** Every fact, in the order the demo checked them; unmodifiable. */
    public List<Fact> facts() {
        return Collections.unmodifiableList(facts);
    }

    /** True if the fact {@code key} was checked and held. */
    public boolean held(String key) {
        return facts.stream().anyMatch(f -> f.key().equals(key) && f.held());
    }

    /** True if at least one fact was checked and every fact held. */
    public boolean allHeld() {
        return !facts.isEmpty() && facts.stream().allMatch(Fact::held);
    }
}
