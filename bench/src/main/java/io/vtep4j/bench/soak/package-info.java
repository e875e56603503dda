/**
 * The soak run: two VTEPs under churn on loopback for minutes, sampling heap, direct memory, fds and threads, failing
 * on growth (bench/soak/soak.sh).
 */
package io.vtep4j.bench.soak;
