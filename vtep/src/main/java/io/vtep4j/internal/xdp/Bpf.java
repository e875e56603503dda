package io.vtep4j.internal.xdp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vtep4j.internal.libc.LibC;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The {@code bpf} system call commands the XDP channel needs: create an {@code XSKMAP}, load a program, put a socket
 * in the map, attach the program to an interface with a BPF link. Each returns a file descriptor the caller closes,
 * or throws an {@link IOException} naming the command and the kernel's reason (and what to do about a missing
 * permission). {@code union bpf_attr} is written in a zeroed native buffer: fields not set are 0, as the kernel
 * requires. Stateless, thread-safe.
 */
final class Bpf {
    static final int BPF_MAP_CREATE = 0;
    static final int BPF_MAP_LOOKUP_ELEM = 1;
    static final int BPF_MAP_UPDATE_ELEM = 2;
    static final int BPF_MAP_DELETE_ELEM = 3;
    static final int BPF_MAP_GET_NEXT_KEY = 4;
    static final int BPF_PROG_LOAD = 5;
    static final int BPF_PROG_TEST_RUN = 10;
    static final int BPF_OBJ_GET_INFO_BY_FD = 15;
    static final int BPF_LINK_CREATE = 28;
    static final int BPF_LINK_UPDATE = 29;

    static final int BPF_MAP_TYPE_HASH = 1;
    static final int BPF_MAP_TYPE_PERCPU_ARRAY = 6;
    static final int BPF_MAP_TYPE_DEVMAP = 14;
    static final int BPF_MAP_TYPE_XSKMAP = 17;
    /** {@code map_flags}: entries are allocated as they are added, not all when the map is made. */
    static final int BPF_F_NO_PREALLOC = 1;

    static final int BPF_PROG_TYPE_XDP = 6;
    /** {@code enum bpf_attach_type}: BPF_XDP. */
    static final int BPF_XDP = 37;

    /** XDP attach modes ({@code XDP_FLAGS_*}). */
    static final int XDP_FLAGS_SKB_MODE = 2;

    static final int XDP_FLAGS_DRV_MODE = 4;

    private static final int ATTR_SIZE = 128;
    private static final int LOG_SIZE = 16 * 1024;

    private Bpf() {}

    /** An {@code XSKMAP} of {@code entries} queue → socket slots. */
    static int createXskMap(int entries) throws IOException {
        ByteBuf attr = attr();
        try {
            attr.setIntLE(0, BPF_MAP_TYPE_XSKMAP);
            attr.setIntLE(4, 4); // key: queue index
            attr.setIntLE(8, 4); // value: socket fd
            attr.setIntLE(12, entries);
            return call(BPF_MAP_CREATE, attr, "BPF_MAP_CREATE XSKMAP");
        } finally {
            attr.release();
        }
    }

    /** A map of {@code type} with keys and values of the sizes given, at most {@code entries} of them. */
    static int createMap(int type, int keySize, int valueSize, int entries, int flags) throws IOException {
        ByteBuf attr = attr();
        try {
            attr.setIntLE(0, type);
            attr.setIntLE(4, keySize);
            attr.setIntLE(8, valueSize);
            attr.setIntLE(12, entries);
            attr.setIntLE(16, flags);
            return call(BPF_MAP_CREATE, attr, "BPF_MAP_CREATE type " + type);
        } finally {
            attr.release();
        }
    }

    /** {@code map[key] = value}, whatever their sizes (the map's). */
    static void updateElement(int mapFd, byte[] key, byte[] value) throws IOException {
        ByteBuf attr = attr();
        ByteBuf kv = ByteBufAllocator.DEFAULT.directBuffer(key.length + value.length);
        try {
            kv.writeBytes(key).writeBytes(value);
            attr.setIntLE(0, mapFd);
            attr.setLongLE(8, kv.memoryAddress());
            attr.setLongLE(16, kv.memoryAddress() + key.length);
            call(BPF_MAP_UPDATE_ELEM, attr, "BPF_MAP_UPDATE_ELEM");
        } finally {
            attr.release();
            kv.release();
        }
    }

    /** Removes {@code map[key]}; false if there was none. */
    static boolean deleteElement(int mapFd, byte[] key) throws IOException {
        ByteBuf attr = attr();
        ByteBuf k = ByteBufAllocator.DEFAULT.directBuffer(key.length).writeBytes(key);
        try {
            attr.setIntLE(0, mapFd);
            attr.setLongLE(8, k.memoryAddress());
            long r = LibC.syscall(XdpCalls.SYS_BPF, BPF_MAP_DELETE_ELEM, attr.memoryAddress(), ATTR_SIZE);
            if (r < 0) {
                int errno = LibC.errno();
                if (errno == LibC.ENOENT) {
                    return false;
                }
                throw new IOException(LibC.failure("BPF_MAP_DELETE_ELEM", errno));
            }
            return true;
        } finally {
            attr.release();
            k.release();
        }
    }

    /**
     * The key after {@code key} in the map's order into {@code next} ({@code key} null: the first); false after the
     * last. A key deleted meanwhile starts the walk again from the first, as the kernel does.
     */
    static boolean nextKey(int mapFd, byte[] key, byte[] next) throws IOException {
        ByteBuf attr = attr();
        ByteBuf keys = ByteBufAllocator.DEFAULT.directBuffer(2 * next.length);
        try {
            keys.writeZero(2 * next.length);
            if (key != null) {
                keys.setBytes(0, key);
            }
            attr.setIntLE(0, mapFd);
            attr.setLongLE(8, key == null ? 0 : keys.memoryAddress());
            attr.setLongLE(16, keys.memoryAddress() + next.length);
            long r = LibC.syscall(XdpCalls.SYS_BPF, BPF_MAP_GET_NEXT_KEY, attr.memoryAddress(), ATTR_SIZE);
            if (r < 0) {
                int errno = LibC.errno();
                if (errno == LibC.ENOENT) {
                    return false;
                }
                throw new IOException(LibC.failure("BPF_MAP_GET_NEXT_KEY", errno));
            }
            keys.getBytes(next.length, next);
            return true;
        } finally {
            attr.release();
            keys.release();
        }
    }

    /** {@code map[key]} into {@code value} (all of it: a per-CPU map fills one slot per possible CPU). */
    static void lookupElement(int mapFd, byte[] key, byte[] value) throws IOException {
        ByteBuf attr = attr();
        ByteBuf kv = ByteBufAllocator.DEFAULT.directBuffer(key.length + value.length);
        try {
            kv.writeBytes(key).writeZero(value.length);
            attr.setIntLE(0, mapFd);
            attr.setLongLE(8, kv.memoryAddress());
            attr.setLongLE(16, kv.memoryAddress() + key.length);
            call(BPF_MAP_LOOKUP_ELEM, attr, "BPF_MAP_LOOKUP_ELEM");
            kv.getBytes(key.length, value);
        } finally {
            attr.release();
            kv.release();
        }
    }

    /** Loads {@code program} as an XDP program (license GPL: bpf_redirect_map needs it); the verifier's log on failure. */
    static int loadXdp(BpfProgram program) throws IOException {
        return loadXdp(program, "vtep4j_trunk");
    }

    /** As {@link #loadXdp(BpfProgram)}, named {@code name} (at most 15 characters) in {@code bpftool prog}. */
    static int loadXdp(BpfProgram program, String name) throws IOException {
        byte[] code = program.bytes();
        ByteBufAllocator a = ByteBufAllocator.DEFAULT;
        ByteBuf attr = attr();
        ByteBuf insns = a.directBuffer(code.length).writeBytes(code);
        ByteBuf license = a.directBuffer(4).writeBytes("GPL\0".getBytes(StandardCharsets.US_ASCII));
        ByteBuf log = a.directBuffer(LOG_SIZE).writeZero(LOG_SIZE);
        try {
            attr.setIntLE(0, BPF_PROG_TYPE_XDP);
            attr.setIntLE(4, program.slots());
            attr.setLongLE(8, insns.memoryAddress());
            attr.setLongLE(16, license.memoryAddress());
            attr.setBytes(48, (name + "\0").getBytes(StandardCharsets.US_ASCII)); // prog_name[16]
            attr.setIntLE(68, BPF_XDP); // expected_attach_type
            try {
                return call(BPF_PROG_LOAD, attr, "BPF_PROG_LOAD");
            } catch (IOException first) {
                // again with the verifier's log, to say why
                attr.setIntLE(24, 1);
                attr.setIntLE(28, LOG_SIZE);
                attr.setLongLE(32, log.memoryAddress());
                try {
                    return call(BPF_PROG_LOAD, attr, "BPF_PROG_LOAD");
                } catch (IOException second) {
                    String text = log.toString(0, LOG_SIZE, StandardCharsets.US_ASCII);
                    int end = text.indexOf('\0');
                    String verifier = (end < 0 ? text : text.substring(0, end)).trim();
                    throw new IOException(
                            second.getMessage() + (verifier.isEmpty() ? "" : "; verifier: " + verifier), first);
                }
            }
        } finally {
            attr.release();
            insns.release();
            license.release();
            log.release();
        }
    }

    /** {@code map[key] = value} (both u32). */
    static void updateElement(int mapFd, int key, int value) throws IOException {
        ByteBuf attr = attr();
        ByteBuf kv = ByteBufAllocator.DEFAULT.directBuffer(8);
        try {
            kv.setIntLE(0, key);
            kv.setIntLE(4, value);
            attr.setIntLE(0, mapFd);
            attr.setLongLE(8, kv.memoryAddress());
            attr.setLongLE(16, kv.memoryAddress() + 4);
            call(BPF_MAP_UPDATE_ELEM, attr, "BPF_MAP_UPDATE_ELEM");
        } finally {
            attr.release();
            kv.release();
        }
    }

    /**
     * Runs program {@code progFd} once on a copy of {@code in} ({@code BPF_PROG_TEST_RUN}); the frame as the program
     * left it goes into {@code out}. Returns the program's return value and the length written.
     */
    static int[] testRun(int progFd, byte[] in, byte[] out) throws IOException {
        ByteBuf attr = attr();
        ByteBuf data = ByteBufAllocator.DEFAULT.directBuffer(in.length + out.length);
        try {
            data.writeBytes(in).writeZero(out.length);
            attr.setIntLE(0, progFd);
            attr.setIntLE(8, in.length); // data_size_in
            attr.setIntLE(12, out.length); // data_size_out
            attr.setLongLE(16, data.memoryAddress()); // data_in
            attr.setLongLE(24, data.memoryAddress() + in.length); // data_out
            attr.setIntLE(32, 1); // repeat
            call(BPF_PROG_TEST_RUN, attr, "BPF_PROG_TEST_RUN");
            int length = Math.min(attr.getIntLE(12), out.length);
            data.getBytes(in.length, out, 0, length);
            return new int[] {attr.getIntLE(4), length};
        } finally {
            attr.release();
            data.release();
        }
    }

    /** Attaches XDP program {@code progFd} to interface {@code ifindex} in mode {@code flags}; the link's fd. */
    static int attachXdp(int progFd, int ifindex, int flags) throws IOException {
        ByteBuf attr = attr();
        try {
            attr.setIntLE(0, progFd);
            attr.setIntLE(4, ifindex);
            attr.setIntLE(8, BPF_XDP);
            attr.setIntLE(12, flags);
            return call(BPF_LINK_CREATE, attr, "BPF_LINK_CREATE XDP");
        } finally {
            attr.release();
        }
    }

    /**
     * Puts program {@code progFd} in place of the one on link {@code linkFd}, in one step: every frame meets one
     * program or the other. The kernel refuses it for a link whose interface went away.
     */
    static void updateLink(int linkFd, int progFd) throws IOException {
        ByteBuf attr = attr();
        try {
            attr.setIntLE(0, linkFd);
            attr.setIntLE(4, progFd);
            call(BPF_LINK_UPDATE, attr, "BPF_LINK_UPDATE");
        } finally {
            attr.release();
        }
    }

    /**
     * The interface an XDP link ({@link #attachXdp}) is attached to, from its {@code struct bpf_link_info}: 0 once the
     * kernel detached it (its interface went away, or left the namespace).
     */
    static int linkIfindex(int linkFd) throws IOException {
        ByteBuf attr = attr();
        ByteBuf info = ByteBufAllocator.DEFAULT.directBuffer(LINK_INFO_SIZE, LINK_INFO_SIZE);
        try {
            info.setZero(0, LINK_INFO_SIZE);
            attr.setIntLE(0, linkFd); // info.bpf_fd
            attr.setIntLE(4, LINK_INFO_SIZE); // info_len
            attr.setLongLE(8, info.memoryAddress()); // info
            call(BPF_OBJ_GET_INFO_BY_FD, attr, "BPF_OBJ_GET_INFO_BY_FD");
            // type, id, prog_id, then the union (8-byte aligned), whose xdp member is the ifindex
            return info.getIntLE(16);
        } finally {
            attr.release();
            info.release();
        }
    }

    /** Room for {@code struct bpf_link_info} as far as its XDP member; the kernel fills what it has. */
    private static final int LINK_INFO_SIZE = 64;

    private static ByteBuf attr() {
        ByteBuf attr = ByteBufAllocator.DEFAULT.directBuffer(ATTR_SIZE, ATTR_SIZE);
        attr.setZero(0, ATTR_SIZE);
        return attr;
    }

    private static int call(int command, ByteBuf attr, String what) throws IOException {
        if (XdpCalls.SYS_BPF < 0) {
            throw new IOException(
                    what + ": the bpf system call's number is not known on " + System.getProperty("os.arch"));
        }
        long r;
        int errno;
        int tries = 0;
        do {
            r = LibC.syscall(XdpCalls.SYS_BPF, command, attr.memoryAddress(), ATTR_SIZE);
            errno = r < 0 ? LibC.errno() : 0;
        } while (r < 0 && (errno == LibC.EINTR || errno == LibC.EAGAIN) && ++tries < 5);
        if (r < 0) {
            if (errno == LibC.EPERM) {
                throw new IOException(what + " not permitted: XDP needs root or the CAP_BPF and CAP_NET_ADMIN "
                        + "capabilities (errno " + errno + ")");
            }
            throw new IOException(LibC.failure(what, errno));
        }
        return (int) r;
    }
}
