package io.vtep4j.internal.xdp;

import java.util.Locale;

/**
 * What the XDP socket and the {@code bpf} system call add to {@link io.vtep4j.internal.libc.LibC}: the address family,
 * the {@code SOL_XDP} options and ring offsets ({@code <linux/if_xdp.h>}), and the number of the {@code bpf} system
 * call on this CPU (libc has no wrapper for it: {@link io.vtep4j.internal.libc.LibC#syscall}).
 */
final class XdpCalls {

    static final int AF_XDP = 44;

    static final int SOL_XDP = 283;
    static final int XDP_MMAP_OFFSETS = 1;
    static final int XDP_RX_RING = 2;
    static final int XDP_TX_RING = 3;
    static final int XDP_UMEM_REG = 4;
    static final int XDP_UMEM_FILL_RING = 5;
    static final int XDP_UMEM_COMPLETION_RING = 6;
    static final int XDP_STATISTICS = 7;

    /** {@code sockaddr_xdp.sxdp_flags}. */
    static final int XDP_COPY = 1 << 1;

    static final int XDP_USE_NEED_WAKEUP = 1 << 3;

    /** mmap page offsets of the four rings. */
    static final long XDP_PGOFF_RX_RING = 0;

    static final long XDP_PGOFF_TX_RING = 0x80000000L;
    static final long XDP_UMEM_PGOFF_FILL_RING = 0x100000000L;
    static final long XDP_UMEM_PGOFF_COMPLETION_RING = 0x180000000L;

    /** {@code __NR_bpf}, or -1 on a CPU this class does not know. */
    static final long SYS_BPF = switch (System.getProperty("os.arch", "").toLowerCase(Locale.ROOT)) {
        case "amd64", "x86_64" -> 321;
        case "aarch64", "arm64", "riscv64", "loongarch64" -> 280;
        default -> -1;
    };

    private XdpCalls() {}
}
