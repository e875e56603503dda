/**
 * JMH benchmark of the in-process forwarding pipeline (decapsulate, learn, look up, encapsulate) built from the
 * encap and learning modules directly, without sockets. Single-threaded; each benchmark owns its buffers.
 */
package io.vtep4j.bench.pipeline;
