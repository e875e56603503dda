/**
 * Micrometer metrics for vtep4j: {@link io.vtep4j.micrometer.VtepMetrics} binds a {@code Vtep}'s live counters to
 * any Micrometer registry (Prometheus, OTLP, JMX, ...).
 */
package io.vtep4j.micrometer;
