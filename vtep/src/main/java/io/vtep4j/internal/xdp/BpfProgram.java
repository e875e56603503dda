package io.vtep4j.internal.xdp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Builds eBPF instructions ({@code struct bpf_insn}: opcode, destination and source register in one byte, a signed
 * 16-bit offset and a signed 32-bit immediate; 8 bytes each, host byte order) from named operations, for the few
 * programs this package loads. Little-endian only (the instruction layout puts {@code dst_reg} in the low nibble).
 *
 * <p>Not thread-safe; a builder is used once, then {@link #bytes()} taken.
 */
public final class BpfProgram {

    // instruction classes
    static final int BPF_LD = 0x00;
    static final int BPF_LDX = 0x01;
    static final int BPF_JMP = 0x05;
    static final int BPF_ALU64 = 0x07;
    // sizes
    static final int BPF_W = 0x00;
    static final int BPF_DW = 0x18;
    // modes
    static final int BPF_IMM = 0x00;
    static final int BPF_MEM = 0x60;
    // operations
    static final int BPF_MOV = 0xB0;
    static final int BPF_CALL = 0x80;
    static final int BPF_EXIT = 0x90;
    // operand source
    static final int BPF_K = 0x00;

    /** {@code src_reg} of a 64-bit immediate load that names a map by its file descriptor. */
    static final int BPF_PSEUDO_MAP_FD = 1;

    /** Helper {@code long bpf_redirect_map(void *map, u64 key, u64 flags)}. */
    static final int HELPER_REDIRECT_MAP = 51;

    /** XDP verdict: hand the frame to the kernel's stack. */
    static final int XDP_PASS = 2;

    /** {@code struct xdp_md}: offset of {@code rx_queue_index}. */
    static final int XDP_MD_RX_QUEUE_INDEX = 16;

    /** Bytes per instruction slot. */
    public static final int SLOT = 8;

    private static final int R1 = 1;
    private static final int R2 = 2;
    private static final int R3 = 3;

    private byte[] code = new byte[8 * SLOT];
    private int slots;

    /** {@code dst = *(u32 *)(src + offset)}. */
    public BpfProgram loadWord(int dst, int src, int offset) {
        return insn(BPF_LDX | BPF_W | BPF_MEM, dst, src, offset, 0);
    }

    /** {@code dst = imm} (64-bit register, sign-extended 32-bit immediate). */
    public BpfProgram moveImmediate(int dst, int imm) {
        return insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm);
    }

    /** {@code dst = map} by file descriptor: a 64-bit immediate load, two slots (the second carries the high half). */
    public BpfProgram loadMap(int dst, int mapFd) {
        insn(BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_MAP_FD, 0, mapFd);
        return insn(0, 0, 0, 0, 0);
    }

    /** Calls kernel helper {@code helper}: arguments in r1..r5, result in r0. */
    public BpfProgram call(int helper) {
        return insn(BPF_JMP | BPF_CALL, 0, 0, 0, helper);
    }

    /** Returns r0. */
    public BpfProgram exit() {
        return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
    }

    private BpfProgram insn(int opcode, int dst, int src, int offset, int imm) {
        checkRegister("dst", dst);
        checkRegister("src", src);
        if (offset < Short.MIN_VALUE || offset > Short.MAX_VALUE) {
            throw new IllegalArgumentException("offset: " + offset + " (expected: -32768..32767)");
        }
        if ((slots + 1) * SLOT > code.length) {
            code = Arrays.copyOf(code, code.length * 2);
        }
        ByteBuffer b = ByteBuffer.wrap(code, slots * SLOT, SLOT).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) opcode)
                .put((byte) (src << 4 | dst))
                .putShort((short) offset)
                .putInt(imm);
        slots++;
        return this;
    }

    private static void checkRegister(String name, int register) {
        if (register < 0 || register > 10) {
            throw new IllegalArgumentException(name + ": r" + register + " (expected: r0..r10)");
        }
    }

    /** Instruction slots so far (a 64-bit immediate load counts two). */
    public int slots() {
        return slots;
    }

    /** The instructions, {@link #slots()} × 8 bytes. */
    public byte[] bytes() {
        return Arrays.copyOf(code, slots * SLOT);
    }

    /**
     * The trunk program: every frame goes to the AF_XDP socket in {@code xsksMap} at the index of the queue it
     * arrived on, or, if that queue has no socket, to the kernel ({@code XDP_PASS} as the fallback verdict). Six
     * slots:
     *
     * <pre>
     * r2 = *(u32 *)(r1 + rx_queue_index)
     * r1 = xsks_map
     * r3 = XDP_PASS
     * call bpf_redirect_map
     * exit
     * </pre>
     */
    public static BpfProgram redirectAllToSockets(int xsksMapFd) {
        return new BpfProgram()
                .loadWord(R2, R1, XDP_MD_RX_QUEUE_INDEX)
                .loadMap(R1, xsksMapFd)
                .moveImmediate(R3, XDP_PASS)
                .call(HELPER_REDIRECT_MAP)
                .exit();
    }
}
