/**
 * JMH benchmarks and a retained-heap measurement for the MAC forwarding table ({@code vtep4j-learning}), with a
 * Caffeine-based table as the comparison. Results: {@code bench/RESULTS.md}, "MAC learning".
 */
package io.vtep4j.bench.learning;
