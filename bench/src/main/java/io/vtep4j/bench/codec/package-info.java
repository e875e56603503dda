/**
 * JMH benchmarks of the encap layer: VXLAN and NVGRE encapsulation and decapsulation beside a copy baseline.
 * Results and the machine they ran on: {@code bench/RESULTS.md}, section "Codecs".
 */
package io.vtep4j.bench.codec;
