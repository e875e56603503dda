/**
 * Linux {@code AF_XDP}: whole Ethernet frames moved between an interface and the process through rings mapped into
 * it, with no system call per frame on receive. Everything the kernel needs is built and loaded here through the
 * {@code bpf} system call: a few instructions of XDP program ({@link io.vtep4j.internal.xdp.BpfProgram}), an
 * {@code XSKMAP}, and a BPF link that attaches the program for as long as its descriptor is open. No clang, libbpf or
 * libxdp at run time; native calls go through JNA direct mapping; nothing allocates per frame.
 *
 * <p>Internal: not part of vtep4j's API; types here may change in any release.
 */
package io.vtep4j.internal.xdp;
