package io.vtep4j;

/**
 * How an XDP program that feeds {@code AF_XDP} sockets is attached to its interface ({@link Vtep.Builder#xdpMode}):
 * in the driver, or in the kernel's generic receive path after the driver has built its socket buffer. The sockets
 * run in copy mode either way.
 */
public enum XdpMode {
    /**
     * The default: generic on a veth, native on every other interface whose driver has XDP, generic where it has
     * none. A veth in native mode hands its frames to a NAPI context of its own with a ring of 256 frames per queue,
     * which refuses frames whenever that context waits for a CPU; in generic mode its frames go through the per-CPU
     * backlog like any other received frame, and on the veths of the benchmarks the gateway forwarded 3.4–6.4 times
     * as many frames without loss (bench/RESULTS.md, "Generic XDP on veths"). Native mode on a veth, with its NAPI in
     * a thread, held its rate better under overload.
     */
    AUTO,
    /** In the driver ({@code XDP_FLAGS_DRV_MODE}); fails where the driver has no XDP. */
    NATIVE,
    /** In the generic receive path ({@code XDP_FLAGS_SKB_MODE}), which every interface has. */
    GENERIC
}
