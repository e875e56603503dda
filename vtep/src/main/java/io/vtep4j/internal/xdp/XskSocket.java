package io.vtep4j.internal.xdp;

import static io.vtep4j.internal.xdp.XdpCalls.SOL_XDP;

import com.sun.jna.Pointer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.vtep4j.internal.libc.LibC;
import java.io.IOException;

/**
 * An {@code AF_XDP} socket in copy mode bound to one queue of one interface, with its UMEM (anonymous memory of
 * {@code frames} chunks of {@code frameSize} bytes) and its four rings mapped into the process at the offsets the
 * kernel reports ({@code XDP_MMAP_OFFSETS}). Owns every mapping and the descriptor; {@link #close} unmaps the rings
 * before closing the socket (a mapped ring keeps the socket alive), then the UMEM.
 *
 * <p>Not thread-safe: opened by one thread, then used on one event loop; {@link #statistics} guarded by the caller.
 */
final class XskSocket implements AutoCloseable {
    /** {@code struct xdp_desc}: addr (u64), len (u32), options (u32). */
    static final int DESC_SIZE = 16;
    /** Fill and completion entries: one u64 address each. */
    static final int ADDR_SIZE = 8;

    final int fd;
    final long umemAddress;
    final long umemLength;
    final ByteBuf umem;
    final XskRing rx;
    final XskRing tx;
    final XskRing fill;
    final XskRing completion;
    private final long[] maps = new long[8]; // address, length of rx, tx, fill, completion
    private final ByteBuf[] views = new ByteBuf[4];
    private final ByteBuf scratch = ByteBufAllocator.DEFAULT.directBuffer(128, 128);
    private boolean closed;

    private XskSocket(int fd, long umemAddress, long umemLength, int ringSize) throws IOException {
        this.fd = fd;
        this.umemAddress = umemAddress;
        this.umemLength = umemLength;
        this.umem = Unpooled.wrappedBuffer(new Pointer(umemAddress).getByteBuffer(0, umemLength));
        try {
            int[] ringOptions = {
                XdpCalls.XDP_UMEM_FILL_RING,
                XdpCalls.XDP_UMEM_COMPLETION_RING,
                XdpCalls.XDP_RX_RING,
                XdpCalls.XDP_TX_RING
            };
            for (int option : ringOptions) {
                scratch.setIntLE(0, ringSize);
                check("ring size option " + option, LibC.setsockopt(fd, SOL_XDP, option, scratch.memoryAddress(), 4));
            }
            // struct xdp_mmap_offsets { struct xdp_ring_offset rx, tx, fr, cr; }, each {producer, consumer, desc,
            // flags}
            scratch.setZero(0, 128);
            ByteBuf length = ByteBufAllocator.DEFAULT.directBuffer(8, 8);
            try {
                length.setIntLE(0, 128);
                check(
                        "XDP_MMAP_OFFSETS",
                        LibC.getsockopt(
                                fd,
                                SOL_XDP,
                                XdpCalls.XDP_MMAP_OFFSETS,
                                scratch.memoryAddress(),
                                length.memoryAddress()));
                if (length.getIntLE(0) < 128) {
                    throw new IOException("XDP_MMAP_OFFSETS: " + length.getIntLE(0) + " bytes (expected: 128; a "
                            + "kernel older than 5.4)");
                }
            } finally {
                length.release();
            }
            this.rx = ring(0, XdpCalls.XDP_PGOFF_RX_RING, DESC_SIZE, ringSize, false);
            this.tx = ring(1, XdpCalls.XDP_PGOFF_TX_RING, DESC_SIZE, ringSize, true);
            this.fill = ring(2, XdpCalls.XDP_UMEM_PGOFF_FILL_RING, ADDR_SIZE, ringSize, true);
            this.completion = ring(3, XdpCalls.XDP_UMEM_PGOFF_COMPLETION_RING, ADDR_SIZE, ringSize, false);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private XskRing ring(int which, long pageOffset, int descSize, int size, boolean producer) throws IOException {
        int base = which * 32;
        int producerAt = (int) scratch.getLongLE(base);
        int consumerAt = (int) scratch.getLongLE(base + 8);
        int descAt = (int) scratch.getLongLE(base + 16);
        int flagsAt = (int) scratch.getLongLE(base + 24);
        long length = descAt + (long) descSize * size;
        long address = LibC.mmap(
                0, length, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED | LibC.MAP_POPULATE, fd, pageOffset);
        if (address == LibC.MAP_FAILED) {
            throw new IOException(LibC.failure("mmap of ring " + which, LibC.errno()));
        }
        maps[which * 2] = address;
        maps[which * 2 + 1] = length;
        views[which] = Unpooled.wrappedBuffer(new Pointer(address).getByteBuffer(0, length));
        return new XskRing(views[which], producerAt, consumerAt, flagsAt, descAt, descSize, size, producer);
    }

    /** The UMEM could not be registered because the process may not lock that much memory. */
    static final class LockedMemoryException extends IOException {
        private static final long serialVersionUID = 1L;

        LockedMemoryException(String message) {
            super(message);
        }
    }

    /**
     * Maps a UMEM of {@code frames × frameSize} bytes, opens the socket, registers the UMEM and maps rings of
     * {@code ringSize} entries. The socket is not bound yet ({@link #bind}).
     *
     * @throws IOException naming the step and the kernel's reason; for a UMEM the kernel refuses to lock, what limit to
     *     raise
     */
    static XskSocket open(int frames, int frameSize, int ringSize) throws IOException {
        long length = (long) frames * frameSize;
        long umem = LibC.mmap(
                0,
                length,
                LibC.PROT_READ | LibC.PROT_WRITE,
                LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS | LibC.MAP_POPULATE,
                -1,
                0);
        if (umem == LibC.MAP_FAILED) {
            throw new IOException(LibC.failure("mmap of a " + length + "-byte UMEM", LibC.errno()));
        }
        int fd = LibC.socket(XdpCalls.AF_XDP, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            int errno = LibC.errno();
            LibC.munmap(umem, length);
            throw new IOException(
                    LibC.failure("socket(AF_XDP)", errno) + (errno == LibC.EPERM ? ": needs root or CAP_NET_RAW" : ""));
        }
        ByteBuf reg = ByteBufAllocator.DEFAULT.directBuffer(32, 32);
        try {
            // struct xdp_umem_reg { u64 addr; u64 len; u32 chunk_size; u32 headroom; u32 flags; u32 tx_metadata_len; }
            reg.setZero(0, 32);
            reg.setLongLE(0, umem);
            reg.setLongLE(8, length);
            reg.setIntLE(16, frameSize);
            if (LibC.setsockopt(fd, SOL_XDP, XdpCalls.XDP_UMEM_REG, reg.memoryAddress(), 32) < 0) {
                int errno = LibC.errno();
                String why = LibC.failure("XDP_UMEM_REG of " + (length >> 10) + " KiB", errno);
                if (errno == LibC.ENOBUFS || errno == LibC.EPERM) {
                    throw new LockedMemoryException(why
                            + ": the UMEM is locked memory; raise RLIMIT_MEMLOCK (ulimit -l, LimitMEMLOCK=) above "
                            + (length >> 10) + " KiB or grant CAP_IPC_LOCK");
                }
                throw new IOException(why);
            }
        } catch (IOException e) {
            LibC.close(fd);
            LibC.munmap(umem, length);
            throw e;
        } finally {
            reg.release();
        }
        return new XskSocket(fd, umem, length, ringSize);
    }

    /** Binds to queue {@code queue} of interface {@code ifindex}, copy mode, the kernel asking for transmit kicks. */
    void bind(int ifindex, int queue) throws IOException {
        // struct sockaddr_xdp { u16 family; u16 flags; u32 ifindex; u32 queue_id; u32 shared_umem_fd; }
        scratch.setZero(0, 16);
        scratch.setShortLE(0, XdpCalls.AF_XDP);
        scratch.setShortLE(2, XdpCalls.XDP_COPY | XdpCalls.XDP_USE_NEED_WAKEUP);
        scratch.setIntLE(4, ifindex);
        scratch.setIntLE(8, queue);
        if (LibC.bind(fd, scratch.memoryAddress(), 16) < 0) {
            int errno = LibC.errno();
            throw new IOException(LibC.failure("bind to queue " + queue, errno)
                    + (errno == LibC.EBUSY ? " (the queue has another XDP socket, or one closed a moment ago)" : ""));
        }
    }

    /**
     * {@code XDP_STATISTICS} into {@code into}: rx_dropped, rx_invalid_descs, tx_invalid_descs, rx_ring_full,
     * rx_fill_ring_empty_descs, tx_ring_empty_descs (the last three 0 on kernels before 5.9). Cumulative. False if
     * the kernel refused.
     */
    boolean statistics(long[] into) {
        if (closed) {
            return false;
        }
        scratch.setZero(0, 64);
        scratch.setIntLE(64 - 8, 48);
        long a = scratch.memoryAddress();
        if (LibC.getsockopt(fd, SOL_XDP, XdpCalls.XDP_STATISTICS, a, a + 56) < 0) {
            return false;
        }
        for (int i = 0; i < 6 && i < into.length; i++) {
            into[i] = scratch.getLongLE(i * 8);
        }
        return true;
    }

    private static void check(String what, int result) throws IOException {
        if (result < 0) {
            throw new IOException(LibC.failure(what, LibC.errno()));
        }
    }

    /**
     * Preferred busy polling: {@code SO_BUSY_POLL} of {@code micros}, {@code SO_PREFER_BUSY_POLL} and
     * {@code SO_BUSY_POLL_BUDGET} of {@code budget} frames, so that {@link #poll} runs the device's receive (its NAPI
     * context) in the calling thread. Needs CAP_NET_ADMIN for a budget above the default.
     */
    void busyPoll(int micros, int budget) throws IOException {
        setInt(LibC.SOL_SOCKET, LibC.SO_BUSY_POLL, micros, "SO_BUSY_POLL");
        setInt(LibC.SOL_SOCKET, LibC.SO_PREFER_BUSY_POLL, 1, "SO_PREFER_BUSY_POLL");
        setInt(LibC.SOL_SOCKET, LibC.SO_BUSY_POLL_BUDGET, budget, "SO_BUSY_POLL_BUDGET");
    }

    private void setInt(int level, int option, int value, String name) throws IOException {
        scratch.setIntLE(0, value);
        if (LibC.setsockopt(fd, level, option, scratch.memoryAddress(), 4) < 0) {
            int errno = LibC.errno();
            throw new IOException(
                    LibC.failure(name + " " + value, errno) + (errno == LibC.EPERM ? ": needs CAP_NET_ADMIN" : ""));
        }
    }

    /**
     * The NAPI id the kernel linked this socket to ({@code SO_INCOMING_NAPI_ID}): since Linux 6.14 resolved at bind
     * from the queue's NAPI context, which only drivers that register it have (a veth does not); earlier kernels set
     * it at the first frame received. 0: none (busy polling has nothing to drive); -1: unknown (the kernel refused).
     */
    int napiId() {
        scratch.setZero(0, 16);
        scratch.setIntLE(8, 4);
        long a = scratch.memoryAddress();
        if (LibC.getsockopt(fd, LibC.SOL_SOCKET, LibC.SO_INCOMING_NAPI_ID, a, a + 8) < 0) {
            return -1;
        }
        return scratch.getIntLE(0);
    }

    /**
     * One busy poll: a non-blocking {@code recvfrom} with no buffer, in which the kernel runs one round of the bound
     * queue's receive (up to the busy-poll budget) into the receive ring. -1 and errno as {@code recv}.
     */
    long poll() {
        return LibC.recv(fd, 0, 0, LibC.MSG_DONTWAIT);
    }

    /** The kick the transmit ring needs in copy mode; -1 and errno as {@code sendto}. */
    long kick() {
        return LibC.sendto(fd, 0, 0, LibC.MSG_DONTWAIT, 0, 0);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = 0; i < 4; i++) {
            if (views[i] != null) {
                views[i].release();
            }
            if (maps[i * 2] != 0) {
                LibC.munmap(maps[i * 2], maps[i * 2 + 1]);
            }
        }
        LibC.close(fd);
        umem.release();
        LibC.munmap(umemAddress, umemLength);
        scratch.release();
    }
}
