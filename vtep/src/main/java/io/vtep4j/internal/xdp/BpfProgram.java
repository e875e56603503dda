package io.vtep4j.internal.xdp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

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
    static final int BPF_ST = 0x02;
    static final int BPF_STX = 0x03;
    static final int BPF_ALU = 0x04;
    static final int BPF_JMP = 0x05;
    static final int BPF_JMP32 = 0x06;
    static final int BPF_ALU64 = 0x07;
    // sizes
    static final int BPF_W = 0x00;
    static final int BPF_H = 0x08;
    static final int BPF_B = 0x10;
    static final int BPF_DW = 0x18;
    // modes
    static final int BPF_IMM = 0x00;
    static final int BPF_MEM = 0x60;
    // operations
    static final int BPF_ADD = 0x00;
    static final int BPF_SUB = 0x10;
    static final int BPF_RSH = 0x70;
    static final int BPF_OR = 0x40;
    static final int BPF_XOR = 0xA0;
    static final int BPF_END = 0xD0;
    static final int BPF_TO_BE = 0x08;
    static final int BPF_JEQ = 0x10;
    static final int BPF_AND = 0x50;
    static final int BPF_MOV = 0xB0;
    static final int BPF_JGT = 0x20;
    static final int BPF_JNE = 0x50;
    static final int BPF_CALL = 0x80;
    static final int BPF_EXIT = 0x90;
    // operand source
    static final int BPF_K = 0x00;
    static final int BPF_X = 0x08;

    /** {@code src_reg} of a 64-bit immediate load that names a map by its file descriptor. */
    static final int BPF_PSEUDO_MAP_FD = 1;

    /** Helper {@code long bpf_redirect_map(void *map, u64 key, u64 flags)}. */
    static final int HELPER_REDIRECT_MAP = 51;

    /** Helper {@code void *bpf_map_lookup_elem(map, key)}. */
    static final int HELPER_MAP_LOOKUP = 1;

    /** Helper {@code long bpf_redirect(u32 ifindex, u64 flags)}. */
    static final int HELPER_REDIRECT = 23;

    /** Helper {@code long bpf_xdp_adjust_head(ctx, int delta)}. */
    static final int HELPER_ADJUST_HEAD = 44;

    /** XDP verdict: drop the frame. */
    static final int XDP_DROP = 1;

    /** XDP verdict: hand the frame to the kernel's stack. */
    static final int XDP_PASS = 2;

    /** {@code struct xdp_md}: offset of {@code rx_queue_index}. */
    static final int XDP_MD_RX_QUEUE_INDEX = 16;

    /** Bytes per instruction slot. */
    public static final int SLOT = 8;

    private static final int R0 = 0;
    private static final int R1 = 1;
    private static final int R2 = 2;
    private static final int R3 = 3;
    private static final int R4 = 4;
    private static final int R5 = 5;
    private static final int R6 = 6;
    private static final int R7 = 7;
    private static final int R8 = 8;
    private static final int R9 = 9;
    private static final int R10 = 10;

    private byte[] code = new byte[8 * SLOT];
    private int slots;
    /** Forward jumps waiting for their label: slot of the jump, label name. */
    private final List<Map.Entry<Integer, String>> fixups = new ArrayList<>();

    /** {@code dst = *(u32 *)(src + offset)}. */
    public BpfProgram loadWord(int dst, int src, int offset) {
        return insn(BPF_LDX | BPF_W | BPF_MEM, dst, src, offset, 0);
    }

    /** {@code dst = *(u16 *)(src + offset)}. */
    public BpfProgram loadHalf(int dst, int src, int offset) {
        return insn(BPF_LDX | BPF_H | BPF_MEM, dst, src, offset, 0);
    }

    /** {@code dst = *(u8 *)(src + offset)}. */
    public BpfProgram loadByte(int dst, int src, int offset) {
        return insn(BPF_LDX | BPF_B | BPF_MEM, dst, src, offset, 0);
    }

    /** {@code *(u64 *)(src + offset)} into {@code dst}. */
    public BpfProgram loadDouble(int dst, int src, int offset) {
        return insn(BPF_LDX | BPF_DW | BPF_MEM, dst, src, offset, 0);
    }

    /** {@code *(u64 *)(dst + offset) = src}. */
    public BpfProgram storeDouble(int dst, int offset, int src) {
        return insn(BPF_STX | BPF_DW | BPF_MEM, dst, src, offset, 0);
    }

    /** {@code *(u32 *)(dst + offset) = src}. */
    public BpfProgram storeWord(int dst, int offset, int src) {
        return insn(BPF_STX | BPF_W | BPF_MEM, dst, src, offset, 0);
    }

    /** {@code *(u16 *)(dst + offset) = src}. */
    public BpfProgram storeHalf(int dst, int offset, int src) {
        return insn(BPF_STX | BPF_H | BPF_MEM, dst, src, offset, 0);
    }

    /** {@code *(u32 *)(dst + offset) = imm}. */
    public BpfProgram storeWordImmediate(int dst, int offset, int imm) {
        return insn(BPF_ST | BPF_W | BPF_MEM, dst, 0, offset, imm);
    }

    /** {@code *(u16 *)(dst + offset) = imm}. */
    public BpfProgram storeHalfImmediate(int dst, int offset, int imm) {
        return insn(BPF_ST | BPF_H | BPF_MEM, dst, 0, offset, imm);
    }

    /** {@code dst += src} (64-bit). */
    public BpfProgram addRegister(int dst, int src) {
        return insn(BPF_ALU64 | BPF_ADD | BPF_X, dst, src, 0, 0);
    }

    /** {@code dst -= src} (64-bit). */
    public BpfProgram subtractRegister(int dst, int src) {
        return insn(BPF_ALU64 | BPF_SUB | BPF_X, dst, src, 0, 0);
    }

    /** {@code dst ^= src} (64-bit). */
    public BpfProgram xorRegister(int dst, int src) {
        return insn(BPF_ALU64 | BPF_XOR | BPF_X, dst, src, 0, 0);
    }

    /** {@code dst ^= imm} (64-bit, the immediate sign-extended). */
    public BpfProgram xorImmediate(int dst, int imm) {
        return insn(BPF_ALU64 | BPF_XOR | BPF_K, dst, 0, 0, imm);
    }

    /** {@code dst |= imm} (64-bit, the immediate sign-extended). */
    public BpfProgram orImmediate(int dst, int imm) {
        return insn(BPF_ALU64 | BPF_OR | BPF_K, dst, 0, 0, imm);
    }

    /** {@code if (dst > imm) goto label} (unsigned, 64-bit); the label follows. */
    public BpfProgram jumpIfGreaterImmediate(int dst, int imm, String label) {
        fixups.add(Map.entry(slots, label));
        return insn(BPF_JMP | BPF_JGT | BPF_K, dst, 0, 0, imm);
    }

    /** {@code dst >>= imm} (64-bit, logical). */
    public BpfProgram shiftRight(int dst, int imm) {
        return insn(BPF_ALU64 | BPF_RSH | BPF_K, dst, 0, 0, imm);
    }

    /**
     * {@code dst = htobe16(dst)}: on this little-endian layout, swaps the two low bytes and clears the rest, so a
     * 16-bit field read from a packet becomes its value.
     */
    public BpfProgram byteSwap16(int dst) {
        return insn(BPF_ALU | BPF_END | BPF_TO_BE, dst, 0, 0, 16);
    }

    /** {@code if (dst == imm) goto label} (64-bit, the immediate sign-extended); the label follows. */
    public BpfProgram jumpIfEqual(int dst, int imm, String label) {
        fixups.add(Map.entry(slots, label));
        return insn(BPF_JMP | BPF_JEQ | BPF_K, dst, 0, 0, imm);
    }

    /** {@code if (dst != src) goto label} (64-bit registers); the label follows. */
    public BpfProgram jumpIfNotEqualRegister(int dst, int src, String label) {
        fixups.add(Map.entry(slots, label));
        return insn(BPF_JMP | BPF_JNE | BPF_X, dst, src, 0, 0);
    }

    /** {@code dst = src} (64-bit registers). */
    public BpfProgram moveRegister(int dst, int src) {
        return insn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0);
    }

    /** {@code dst += imm} (64-bit). */
    public BpfProgram addImmediate(int dst, int imm) {
        return insn(BPF_ALU64 | BPF_ADD | BPF_K, dst, 0, 0, imm);
    }

    /** {@code dst &= imm} (64-bit, the immediate sign-extended). */
    public BpfProgram andImmediate(int dst, int imm) {
        return insn(BPF_ALU64 | BPF_AND | BPF_K, dst, 0, 0, imm);
    }

    /** {@code if (dst > src) goto label} (unsigned, 64-bit); the label follows ({@link #label}). */
    public BpfProgram jumpIfGreater(int dst, int src, String label) {
        fixups.add(Map.entry(slots, label));
        return insn(BPF_JMP | BPF_JGT | BPF_X, dst, src, 0, 0);
    }

    /** {@code if (dst != imm) goto label} (64-bit, the immediate sign-extended); the label follows. */
    public BpfProgram jumpIfNotEqual(int dst, int imm, String label) {
        fixups.add(Map.entry(slots, label));
        return insn(BPF_JMP | BPF_JNE | BPF_K, dst, 0, 0, imm);
    }

    /** {@code if ((u32) dst != (u32) imm) goto label}: a 32-bit compare (kernel 5.1+); the label follows. */
    public BpfProgram jumpIfNotEqual32(int dst, int imm, String label) {
        fixups.add(Map.entry(slots, label));
        return insn(BPF_JMP32 | BPF_JNE | BPF_K, dst, 0, 0, imm);
    }

    /** Puts {@code name} at the next instruction: every earlier jump to it now lands here. */
    public BpfProgram label(String name) {
        for (Iterator<Map.Entry<Integer, String>> it = fixups.iterator(); it.hasNext(); ) {
            Map.Entry<Integer, String> f = it.next();
            if (f.getValue().equals(name)) {
                int jump = f.getKey();
                int offset = slots - jump - 1; // relative to the instruction after the jump
                code[jump * SLOT + 2] = (byte) offset;
                code[jump * SLOT + 3] = (byte) (offset >> 8);
                it.remove();
            }
        }
        return this;
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

    /**
     * The instructions, {@link #slots()} × 8 bytes.
     *
     * @throws IllegalStateException if a jump names a label never placed
     */
    public byte[] bytes() {
        if (!fixups.isEmpty()) {
            throw new IllegalStateException(
                    "label: " + fixups.get(0).getValue() + " (expected: placed with label() after its jumps)");
        }
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

    /** {@code struct xdp_md}: offsets of {@code data} and {@code data_end}. */
    static final int XDP_MD_DATA = 0;

    static final int XDP_MD_DATA_END = 4;

    /** Ethernet (14) + IPv4 without options (20) + UDP (8): what the filter reads. */
    static final int ETH_IPV4_UDP_LENGTH = 14 + 20 + 8;

    /**
     * The UDP underlay program: a frame carrying IPv4 with a 20-byte header, not a fragment, UDP, to destination
     * address {@code address} and destination port {@code port} goes to the AF_XDP socket in {@code xsksMap} at the
     * index of its queue (or to the kernel where that queue has no socket); every other frame (ARP, ICMP, other
     * ports, other addresses, IP options, fragments, VLAN-tagged) goes to the kernel ({@code XDP_PASS}). Packet bytes
     * are read as little-endian words, so the constants compared are the network-order values byte-swapped. 26 slots:
     *
     * <pre>
     * r2 = ctx->data; r3 = ctx->data_end; r4 = r2 + 42
     * if r4 &gt; r3 goto pass                    // shorter than Ethernet + IPv4 + UDP
     * r4 = *(u16 *)(r2 + 12); if r4 != 0x0008 goto pass     // EtherType IPv4
     * r4 = *(u8 *)(r2 + 14);  if r4 != 0x45 goto pass       // version 4, IHL 5
     * r4 = *(u16 *)(r2 + 20); r4 &amp;= 0xff3f; if r4 != 0 goto pass   // MF flag or fragment offset
     * r4 = *(u8 *)(r2 + 23);  if r4 != 17 goto pass         // protocol UDP
     * r4 = *(u32 *)(r2 + 30); if (u32) r4 != address goto pass
     * r4 = *(u16 *)(r2 + 36); if r4 != port goto pass       // UDP destination port
     * r2 = ctx->rx_queue_index; r1 = xsks_map; r3 = XDP_PASS
     * call bpf_redirect_map; exit
     * pass: r0 = XDP_PASS; exit
     * </pre>
     *
     * @param address the IPv4 destination address, network order in the int ({@code 10.0.0.1} is {@code 0x0a000001})
     * @param port the UDP destination port, 1..65535
     */
    public static BpfProgram redirectUdpToSockets(int xsksMapFd, int address, int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
        }
        String pass = "pass";
        return new BpfProgram()
                .loadWord(R2, R1, XDP_MD_DATA)
                .loadWord(R3, R1, XDP_MD_DATA_END)
                .moveRegister(R4, R2)
                .addImmediate(R4, ETH_IPV4_UDP_LENGTH)
                .jumpIfGreater(R4, R3, pass)
                .loadHalf(R4, R2, 12)
                .jumpIfNotEqual(R4, 0x0008, pass) // 0x0800 read little-endian
                .loadByte(R4, R2, 14)
                .jumpIfNotEqual(R4, 0x45, pass)
                .loadHalf(R4, R2, 20)
                .andImmediate(R4, 0xFF3F) // flags.MF (0x20 of byte 20), offset (rest of byte 20, byte 21)
                .jumpIfNotEqual(R4, 0, pass)
                .loadByte(R4, R2, 23)
                .jumpIfNotEqual(R4, 17, pass)
                .loadWord(R4, R2, 30)
                .jumpIfNotEqual32(R4, Integer.reverseBytes(address), pass)
                .loadHalf(R4, R2, 36)
                .jumpIfNotEqual(R4, Short.toUnsignedInt(Short.reverseBytes((short) port)), pass)
                .loadWord(R2, R1, XDP_MD_RX_QUEUE_INDEX)
                .loadMap(R1, xsksMapFd)
                .moveImmediate(R3, XDP_PASS)
                .call(HELPER_REDIRECT_MAP)
                .exit()
                .label(pass)
                .moveImmediate(R0, XDP_PASS)
                .exit();
    }

    /** The first four bytes of {@code mac} (low 48 bits, first byte most significant) as a little-endian load reads them. */
    static int macLow(long mac) {
        return (int) (((mac >>> 40) & 0xFF)
                | ((mac >>> 32) & 0xFF) << 8
                | ((mac >>> 24) & 0xFF) << 16
                | ((mac >>> 16) & 0xFF) << 24);
    }

    /** The last two bytes of {@code mac} as a little-endian 16-bit load reads them. */
    static int macHigh(long mac) {
        return (int) (((mac >>> 8) & 0xFF) | (mac & 0xFF) << 8);
    }

    /**
     * {@code r0} = the ones'-complement sum, folded to 16 bits, of the 20 bytes at {@code r2 + 14} (an IPv4 header
     * after Ethernet; r2 a packet pointer checked for them); clobbers r1. Summed here, five words into 64 bits and
     * folded three times, rather than by {@code bpf_csum_diff}, whose call cost more than the sum: the words are read
     * little-endian, which permutes the bytes of each 16-bit half alike, so the folded sum, written back the same way,
     * is the header's (RFC 1071).
     */
    private BpfProgram ipv4HeaderSum() {
        moveImmediate(R0, 0);
        for (int at = 14; at < 34; at += 4) {
            loadWord(R1, R2, at).addRegister(R0, R1);
        }
        for (int fold = 0; fold < 3; fold++) {
            moveRegister(R1, R0).shiftRight(R1, 16).andImmediate(R0, 0xFFFF).addRegister(R0, R1);
        }
        return this;
    }

    /**
     * Writes the IPv4 header checksum of the frame at the context's data (r6 the context; r2 its start, checked for the
     * header), to {@code drop} if the frame is shorter after all (the verifier asks); clobbers r0..r5.
     */
    private BpfProgram storeHeaderChecksum(String drop) {
        return ipv4HeaderSum() // the header's checksum is its sum's complement
                .xorImmediate(R0, 0xFFFF)
                .loadWord(R2, R6, XDP_MD_DATA)
                .loadWord(R3, R6, XDP_MD_DATA_END)
                .moveRegister(R4, R2)
                .addImmediate(R4, 34)
                .jumpIfGreater(R4, R3, drop)
                .storeHalf(R2, 24, R0);
    }

    /**
     * Adds one frame, and {@code r9 + delta} bytes, to slot 0 of the per-CPU array {@code statsMapFd}; clobbers r0..r5
     * and the stack word at r10 - 4.
     */
    private BpfProgram count(int statsMapFd, int delta) {
        return count(statsMapFd, 0, delta);
    }

    /** As {@link #count(int, int)}, into slot {@code slot} of the array. */
    private BpfProgram count(int statsMapFd, int slot, int delta) {
        return storeWordImmediate(R10, -4, slot)
                .loadMap(R1, statsMapFd)
                .moveRegister(R2, R10)
                .addImmediate(R2, -4)
                .call(HELPER_MAP_LOOKUP)
                .jumpIfEqual(R0, 0, "counted")
                .loadDouble(R1, R0, 0)
                .addImmediate(R1, 1)
                .storeDouble(R0, 0, R1)
                .loadDouble(R1, R0, 8)
                .addRegister(R1, R9)
                .addImmediate(R1, delta)
                .storeDouble(R0, 8, R1)
                .label("counted");
    }

    /** The two other endings: {@code pass} returns XDP_PASS, {@code drop} XDP_DROP. */
    private BpfProgram verdicts(String pass, String drop) {
        return label(pass)
                .moveImmediate(R0, XDP_PASS)
                .exit()
                .label(drop)
                .moveImmediate(R0, XDP_DROP)
                .exit();
    }

    /**
     * The start of a program on a frame: r6 the context (kept across helper calls), r2 and r3 the frame's start and
     * end, to {@code pass} if shorter than {@code minLength}, r9 its length.
     */
    private BpfProgram frameStart(int minLength, String pass) {
        return moveRegister(R6, R1)
                .loadWord(R2, R6, XDP_MD_DATA)
                .loadWord(R3, R6, XDP_MD_DATA_END)
                .moveRegister(R4, R2)
                .addImmediate(R4, minLength)
                .jumpIfGreater(R4, R3, pass)
                .moveRegister(R9, R3)
                .subtractRegister(R9, R2);
    }

    /**
     * To {@code pass} unless r2 (a packet pointer checked for {@link #DECAP_MIN_LENGTH} bytes) starts an IPv4 VXLAN
     * packet of r9 bytes as the decapsulating programs take it: IPv4 with a 20-byte header, no ECN mark, not a
     * fragment, UDP, both lengths matching the frame, VXLAN flags exactly I with every reserved bit zero, and an inner
     * frame with unicast addresses carrying IPv4. Reads r4 only.
     */
    private BpfProgram vxlanPacket(String pass) {
        return loadHalf(R4, R2, 12)
                .jumpIfNotEqual(R4, 0x0008, pass) // EtherType IPv4
                .loadByte(R4, R2, 14)
                .jumpIfNotEqual(R4, 0x45, pass) // version 4, 20-byte header
                .loadByte(R4, R2, 15)
                .andImmediate(R4, 0x03)
                .jumpIfNotEqual(R4, 0, pass) // ECN marked
                .loadHalf(R4, R2, 16)
                .byteSwap16(R4)
                .addImmediate(R4, 14)
                .jumpIfNotEqualRegister(R4, R9, pass) // total length against the frame
                .loadHalf(R4, R2, 20)
                .andImmediate(R4, 0xFF3F)
                .jumpIfNotEqual(R4, 0, pass) // a fragment
                .loadByte(R4, R2, 23)
                .jumpIfNotEqual(R4, 17, pass) // UDP
                .loadHalf(R4, R2, 38)
                .byteSwap16(R4)
                .addImmediate(R4, 34)
                .jumpIfNotEqualRegister(R4, R9, pass) // UDP length against the frame
                .loadWord(R4, R2, 42)
                .jumpIfNotEqual32(R4, 0x08, pass) // flags exactly I, reserved zero
                .loadByte(R4, R2, 49)
                .jumpIfNotEqual(R4, 0, pass) // last reserved byte
                .loadByte(R4, R2, 50)
                .andImmediate(R4, 0x01)
                .jumpIfNotEqual(R4, 0, pass) // inner destination a group
                .loadByte(R4, R2, 56)
                .andImmediate(R4, 0x01)
                .jumpIfNotEqual(R4, 0, pass) // inner source a group
                .loadHalf(R4, R2, 62)
                .jumpIfNotEqual(R4, 0x0008, pass); // inner EtherType IPv4
    }

    /** Outer Ethernet, IPv4 without options, UDP and VXLAN: what the decapsulating program takes off. */
    static final int VXLAN_OUTER_LENGTH = 14 + 20 + 8 + 8;

    /** The outer headers and the inner Ethernet header: the shortest frame the decapsulating program takes. */
    static final int DECAP_MIN_LENGTH = VXLAN_OUTER_LENGTH + 14;

    /** How far the decapsulating program moves the frame's start: the outer headers, less the 802.1Q tag it adds. */
    static final int DECAP_HEAD_DELTA = VXLAN_OUTER_LENGTH - 4;

    /**
     * The decapsulating program for a VLAN gateway's underlay: it turns a VXLAN packet into the tagged frame the
     * trunk sends, and redirects it to the trunk, when all of these hold; any other frame goes to the kernel
     * ({@code XDP_PASS}) and so to the gateway's UDP socket, unchanged:
     *
     * <ul>
     *   <li>the outer frame is addressed to {@code mac}, carries IPv4 with a 20-byte header that is not a fragment,
     *       has no ECN mark (RFC 6040 decapsulation stays with the engine), and whose header checksum is right; its
     *       total length and the UDP length match the frame exactly (no padding, no coalesced runs);
     *   <li>UDP to {@code address}:{@code port}; a non-zero UDP checksum is not verified (RFC 7348 §5 leaves that to
     *       the decapsulating end point's choice; the inner frame carries its own checksums);
     *   <li>VXLAN flags exactly I, all reserved bits zero, and a VNI that {@code vniMap} maps to a tag;
     *   <li>the inner frame has unicast destination and source addresses and carries IPv4 (ARP and IPv6 neighbour
     *       discovery stay with the engine);
     *   <li>{@code sourceMap} holds the inner source under this VNI at this outer source address: the engine has
     *       learned that MAC at that remote VTEP, so it would hand the frame to the VLAN's port without learning
     *       anything new;
     *   <li>{@code trunkMap}, a device map of one slot, holds the trunk: the kernel empties the slot when that
     *       interface goes away, and the packets then reach the engine until the owner puts the new one in;
     *   <li>the tagged frame fits the trunk: its payload (the inner frame less its 14-byte header) is at most
     *       {@code trunkMtu} bytes, as the kernel checks before it sends a redirected frame; a longer one is the
     *       engine's, which counts what it cannot send.
     * </ul>
     *
     * <p>Maps: {@code vniMap} key {@code [vni >> 16, vni >> 8, vni, 0]} (the packet's VNI field and reserved byte),
     * value the tag control information, network order, in the value's first two bytes; {@code sourceMap} key the
     * same four bytes, the source MAC and two zero bytes, value the remote's IPv4 address, network order, and a word
     * the program sets to 1 on every frame it forwards (the owner reads and clears it to keep the engine's entry
     * from ageing);
     * {@code statsMap} a one-slot per-CPU array of two u64: frames and bytes (tagged frame lengths) redirected.
     * The frame keeps its inner addresses and EtherType; the 50 outer bytes become a 4-byte tag
     * ({@code bpf_xdp_adjust_head}), and {@code bpf_redirect} sends it out of the interface in {@code trunkMap}. If the
     * head
     * cannot move, the frame goes to the kernel unchanged; once it has moved, a frame the program cannot finish is
     * dropped ({@code XDP_DROP}; the verifier asks for the check, it does not happen).
     *
     * @param address the IPv4 destination address, network order in the int
     * @param port the UDP destination port, 1..65535
     * @param mac the underlay interface's MAC address, in the low 48 bits (first byte most significant)
     * @param trunkMtu the trunk's MTU, 68..65535
     */
    public static BpfProgram decapsulateToTrunk(
            int vniMapFd,
            int sourceMapFd,
            int statsMapFd,
            int trunkMapFd,
            int address,
            int port,
            long mac,
            int trunkMtu) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
        }
        if (trunkMtu < 68 || trunkMtu > 65535) {
            throw new IllegalArgumentException("trunkMtu: " + trunkMtu + " (expected: 68..65535)");
        }
        int macLow = macLow(mac); // packet bytes are read little-endian
        int macHigh = macHigh(mac);
        String pass = "pass";
        String drop = "drop";
        BpfProgram p = new BpfProgram()
                .frameStart(DECAP_MIN_LENGTH, pass)
                // the inner frame's payload is the frame less 50 outer bytes and the inner 14-byte header
                .jumpIfGreaterImmediate(R9, trunkMtu + VXLAN_OUTER_LENGTH + 14, pass) // too big for the trunk
                .loadWord(R4, R2, 0)
                .jumpIfNotEqual32(R4, macLow, pass) // not addressed to this interface: the kernel drops it
                .loadHalf(R4, R2, 4)
                .jumpIfNotEqual(R4, macHigh, pass)
                .loadWord(R4, R2, 30)
                .jumpIfNotEqual32(R4, Integer.reverseBytes(address), pass)
                .loadHalf(R4, R2, 36)
                .jumpIfNotEqual(R4, Short.toUnsignedInt(Short.reverseBytes((short) port)), pass)
                .vxlanPacket(pass)
                .loadWord(R7, R2, 26) // r7: outer source address
                .loadWord(R4, R2, 46) // VNI and the reserved byte
                .storeWord(R10, -4, R4) // key of vniMap
                .storeWord(R10, -16, R4) // key of sourceMap: VNI, source MAC, two zero bytes
                .loadWord(R5, R2, 56)
                .storeWord(R10, -12, R5)
                .loadHalf(R5, R2, 60)
                .storeHalf(R10, -8, R5)
                .storeHalfImmediate(R10, -6, 0)
                .ipv4HeaderSum() // the 20 bytes of a right header sum to 0xffff
                .jumpIfNotEqual(R0, 0xFFFF, pass)
                .loadMap(R1, vniMapFd)
                .moveRegister(R2, R10)
                .addImmediate(R2, -4)
                .call(HELPER_MAP_LOOKUP)
                .jumpIfEqual(R0, 0, pass) // VNI not mapped to a tag
                .loadWord(R8, R0, 0) // r8: the tag, network order in its low two bytes
                .loadMap(R1, sourceMapFd)
                .moveRegister(R2, R10)
                .addImmediate(R2, -16)
                .call(HELPER_MAP_LOOKUP)
                .jumpIfEqual(R0, 0, pass) // source not learned
                .loadWord(R1, R0, 0)
                .jumpIfNotEqualRegister(R1, R7, pass) // learned at another remote
                .storeWordImmediate(R0, 4, 1) // seen: the owner refreshes the engine's entry
                .storeWordImmediate(R10, -4, 0)
                .loadMap(R1, trunkMapFd)
                .moveRegister(R2, R10)
                .addImmediate(R2, -4)
                .call(HELPER_MAP_LOOKUP)
                .jumpIfEqual(R0, 0, pass) // the trunk is gone
                .loadWord(R7, R0, 0) // r7: the trunk's interface index
                .moveRegister(R1, R6)
                .moveImmediate(R2, DECAP_HEAD_DELTA)
                .call(HELPER_ADJUST_HEAD)
                .jumpIfNotEqual(R0, 0, pass) // the frame is unchanged
                .loadWord(R2, R6, XDP_MD_DATA)
                .loadWord(R3, R6, XDP_MD_DATA_END)
                .moveRegister(R4, R2)
                .addImmediate(R4, 18)
                .jumpIfGreater(R4, R3, drop)
                // the inner addresses move 4 bytes forward; the tag fills the gap before the inner EtherType
                .loadWord(R4, R2, 4)
                .storeWord(R2, 0, R4)
                .loadWord(R4, R2, 8)
                .storeWord(R2, 4, R4)
                .loadWord(R4, R2, 12)
                .storeWord(R2, 8, R4)
                .storeHalfImmediate(R2, 12, 0x0081) // TPID 0x8100
                .storeHalf(R2, 14, R8)
                .count(statsMapFd, -DECAP_HEAD_DELTA)
                .moveRegister(R1, R7)
                .moveImmediate(R2, 0)
                .call(HELPER_REDIRECT)
                .exit()
                .verdicts(pass, drop);
        return p;
    }

    /** A tagged trunk frame's header and the first 24 bytes of its IPv4 packet: what the encapsulating program reads. */
    static final int ENCAP_MIN_LENGTH = 18 + 24;

    /** How far the encapsulating program moves the frame's start back: the outer headers, less the tag it removes. */
    static final int ENCAP_HEAD_DELTA = VXLAN_OUTER_LENGTH - 4;

    /**
     * The encapsulating program for a VLAN gateway's trunk: it turns a tagged frame into the VXLAN packet the engine
     * would send, and redirects it to the underlay interface, when all of these hold; any other frame goes to the
     * kernel ({@code XDP_PASS}), and so to the gateway's trunk socket, unchanged:
     *
     * <ul>
     *   <li>an 802.1Q tag (TPID 0x8100) whose VLAN id {@code vlanMap} maps to a VNI, over IPv4, with unicast
     *       destination and source addresses, and no longer than {@code maxFrame} bytes (tag included; a longer one
     *       is the engine's, which answers it with PMTU signalling);
     *   <li>{@code localMap} holds the source under that VNI: the engine has learned it on the trunk;
     *   <li>{@code remoteMap} holds the destination under that VNI, with the remote VTEP's IPv4 address, and
     *       {@code hopMap} holds the Ethernet address of that address's next hop;
     *   <li>{@code underlayMap}, a device map of one slot, holds the underlay interface: the owner empties the slot
     *       while that interface is down, and the kernel when it goes away (the kernel would drop what the program
     *       sends there), and the frames then reach the engine, which counts what it cannot send.
     * </ul>
     *
     * <p>The packet it builds is the one the engine sends with its default outer header: from {@code mac} to the
     * next hop, IPv4 from {@code address} with DSCP 0, Not-ECT, DF set, TTL 64 and a right header checksum, UDP to
     * {@code port} with checksum 0 from a source port in 49152..65535 taken from a hash of the inner addresses and
     * ports (RFC 7348 §5), VXLAN flags I and the VNI; then the inner frame without its tag. Maps: {@code vlanMap} key
     * the tag's two bytes as read, PCP and DEI cleared ({@code [vid >> 8, vid & 0xff, 0, 0]}), value the VNI field
     * as {@link #decapsulateToTrunk} keys it; {@code localMap} and {@code remoteMap} keys as that program's source
     * map, values a word the program sets to 1 on every frame from that source (as there), and the remote's
     * address; {@code hopMap} key an IPv4 address, value the MAC in its first six
     * bytes; {@code statsMap} as there, bytes counted as sent.
     *
     * @param address the local IPv4 address, network order in the int
     * @param port the UDP destination port, 1..65535
     * @param mac the underlay interface's MAC address, in the low 48 bits (first byte most significant)
     * @param maxFrame the longest tagged frame taken: the underlay's MTU less 32
     */
    public static BpfProgram encapsulateToUnderlay(
            int vlanMapFd,
            int localMapFd,
            int remoteMapFd,
            int hopMapFd,
            int statsMapFd,
            int underlayMapFd,
            int address,
            int port,
            long mac,
            int maxFrame) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
        }
        if (maxFrame < ENCAP_MIN_LENGTH) {
            throw new IllegalArgumentException("maxFrame: " + maxFrame + " (expected: >= " + ENCAP_MIN_LENGTH + ")");
        }
        int macLow = macLow(mac); // packet bytes are read little-endian
        int macHigh = macHigh(mac);
        String pass = "pass";
        String drop = "drop";
        return new BpfProgram()
                .moveRegister(R6, R1) // r6: ctx
                .loadWord(R2, R6, XDP_MD_DATA)
                .loadWord(R3, R6, XDP_MD_DATA_END)
                .moveRegister(R4, R2)
                .addImmediate(R4, ENCAP_MIN_LENGTH)
                .jumpIfGreater(R4, R3, pass)
                .moveRegister(R9, R3) // r9: the tagged frame's length
                .subtractRegister(R9, R2)
                .jumpIfGreaterImmediate(R9, maxFrame, pass) // too big for the tunnel: the engine answers it
                .loadHalf(R4, R2, 12)
                .jumpIfNotEqual(R4, 0x0081, pass) // TPID 0x8100
                .loadHalf(R4, R2, 16)
                .jumpIfNotEqual(R4, 0x0008, pass) // IPv4 inside
                .loadByte(R4, R2, 0)
                .andImmediate(R4, 0x01)
                .jumpIfNotEqual(R4, 0, pass) // destination a group: flooded by the engine
                .loadByte(R4, R2, 6)
                .andImmediate(R4, 0x01)
                .jumpIfNotEqual(R4, 0, pass) // source a group
                .loadHalf(R4, R2, 14)
                .andImmediate(R4, 0xFF0F) // VLAN id: PCP and DEI cleared
                .storeWord(R10, -4, R4) // key of vlanMap
                // the source and destination keys' MACs (their VNI comes from vlanMap)
                .loadWord(R4, R2, 6)
                .storeWord(R10, -12, R4)
                .loadHalf(R4, R2, 10)
                .storeHalf(R10, -8, R4)
                .storeHalfImmediate(R10, -6, 0)
                .loadWord(R4, R2, 0)
                .storeWord(R10, -28, R4)
                .loadHalf(R4, R2, 4)
                .storeHalf(R10, -24, R4)
                .storeHalfImmediate(R10, -22, 0)
                // UDP source port: a hash of the inner addresses and the first four bytes after the IPv4 header
                .loadWord(R5, R2, 30)
                .loadWord(R4, R2, 34)
                .xorRegister(R5, R4)
                .loadWord(R4, R2, 38)
                .xorRegister(R5, R4)
                .moveRegister(R4, R5)
                .shiftRight(R4, 16)
                .xorRegister(R5, R4)
                .andImmediate(R5, 0x3FFF)
                .orImmediate(R5, 0xC000)
                .byteSwap16(R5)
                .storeHalf(R10, -40, R5)
                .loadMap(R1, vlanMapFd)
                .moveRegister(R2, R10)
                .addImmediate(R2, -4)
                .call(HELPER_MAP_LOOKUP)
                .jumpIfEqual(R0, 0, pass) // VLAN not mapped
                .loadWord(R8, R0, 0) // r8: the VNI field
                .storeWord(R10, -16, R8)
                .storeWord(R10, -32, R8)
                .loadMap(R1, localMapFd)
                .moveRegister(R2, R10)
                .addImmediate(R2, -16)
                .call(HELPER_MAP_LOOKUP)
                .jumpIfEqual(R0, 0, pass) // source not learned on the trunk
                .storeWordImmediate(R0, 0, 1) // seen: the owner refreshes the engine's entry
                .loadMap(R1, remoteMapFd)
                .moveRegister(R2, R10)
                .addImmediate(R2, -32)
                .call(HELPER_MAP_LOOKUP)
                .jumpIfEqual(R0, 0, pass) // destination not at a remote VTEP: flooded, or local
                .loadWord(R7, R0, 0) // r7: the remote's address
                .storeWord(R10, -36, R7)
                .loadMap(R1, hopMapFd)
                .moveRegister(R2, R10)
                .addImmediate(R2, -36)
                .call(HELPER_MAP_LOOKUP)
                .jumpIfEqual(R0, 0, pass) // next hop not resolved: the kernel's path resolves it
                .loadWord(R1, R0, 0)
                .storeWord(R10, -48, R1)
                .loadHalf(R1, R0, 4)
                .storeHalf(R10, -44, R1)
                .storeWordImmediate(R10, -56, 0)
                .loadMap(R1, underlayMapFd)
                .moveRegister(R2, R10)
                .addImmediate(R2, -56)
                .call(HELPER_MAP_LOOKUP)
                .jumpIfEqual(R0, 0, pass) // the underlay is down or gone
                .loadWord(R1, R0, 0)
                .storeWord(R10, -52, R1) // its interface index
                .moveRegister(R1, R6)
                .moveImmediate(R2, -ENCAP_HEAD_DELTA)
                .call(HELPER_ADJUST_HEAD)
                .jumpIfNotEqual(R0, 0, pass) // no headroom: unchanged
                .loadWord(R2, R6, XDP_MD_DATA)
                .loadWord(R3, R6, XDP_MD_DATA_END)
                .moveRegister(R4, R2)
                .addImmediate(R4, 64)
                .jumpIfGreater(R4, R3, drop)
                // the inner addresses move 4 bytes back over the tag's place
                .loadWord(R3, R2, 46)
                .loadWord(R4, R2, 50)
                .loadWord(R5, R2, 54)
                .storeWord(R2, 50, R3)
                .storeWord(R2, 54, R4)
                .storeWord(R2, 58, R5)
                // outer Ethernet
                .loadWord(R1, R10, -48)
                .storeWord(R2, 0, R1)
                .loadHalf(R1, R10, -44)
                .storeHalf(R2, 4, R1)
                .storeWordImmediate(R2, 6, macLow)
                .storeHalfImmediate(R2, 10, macHigh)
                .storeHalfImmediate(R2, 12, 0x0008)
                // IPv4
                .storeHalfImmediate(R2, 14, 0x0045) // version 4, 20 bytes; DSCP 0, Not-ECT
                .moveRegister(R1, R9)
                .addImmediate(R1, ENCAP_HEAD_DELTA - 14) // total length: the frame less the outer Ethernet
                .byteSwap16(R1)
                .storeHalf(R2, 16, R1)
                .storeHalfImmediate(R2, 18, 0) // identification
                .storeHalfImmediate(R2, 20, 0x0040) // DF
                .storeHalfImmediate(R2, 22, 0x1140) // TTL 64, UDP
                .storeHalfImmediate(R2, 24, 0)
                .storeWordImmediate(R2, 26, Integer.reverseBytes(address))
                .storeWord(R2, 30, R7)
                // UDP
                .loadHalf(R1, R10, -40)
                .storeHalf(R2, 34, R1)
                .storeHalfImmediate(R2, 36, Short.toUnsignedInt(Short.reverseBytes((short) port)))
                .moveRegister(R1, R9)
                .addImmediate(R1, ENCAP_HEAD_DELTA - 34)
                .byteSwap16(R1)
                .storeHalf(R2, 38, R1)
                .storeHalfImmediate(R2, 40, 0)
                // VXLAN
                .storeWordImmediate(R2, 42, 0x08)
                .storeWord(R2, 46, R8)
                .storeHeaderChecksum(drop)
                .count(statsMapFd, ENCAP_HEAD_DELTA)
                .loadWord(R1, R10, -52)
                .moveImmediate(R2, 0)
                .call(HELPER_REDIRECT)
                .exit()
                .verdicts(pass, drop);
    }

    /**
     * One side of a VNI stitch as the relaying program sees it: VTEP address {@code address} (network order in the
     * int), UDP port {@code port}, VNI {@code vni}, on the interface of index {@code ifindex} with MAC {@code mac} and
     * MTU {@code mtu}; the side's maps of MACs at its remote VTEPs ({@code remoteMapFd}) and on its stitch port
     * ({@code localMapFd}), the next hops of its remotes ({@code hopMapFd}), and the slot of the statistics array
     * that counts what the program relays out of this side.
     */
    public record StitchSide(
            int address,
            int port,
            int vni,
            long mac,
            int ifindex,
            int mtu,
            int remoteMapFd,
            int localMapFd,
            int hopMapFd,
            int statsSlot) {
        /** Checks the numbers; the maps are the caller's. */
        public StitchSide {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
            }
            if (vni < 0 || vni > 0xFFFFFF) {
                throw new IllegalArgumentException("vni: " + vni + " (expected: 0..16777215)");
            }
            if (ifindex <= 0) {
                throw new IllegalArgumentException("ifindex: " + ifindex + " (expected: > 0)");
            }
            if (mtu < RELAY_MIN_LENGTH - 14) {
                throw new IllegalArgumentException("mtu: " + mtu + " (expected: >= " + (RELAY_MIN_LENGTH - 14) + ")");
            }
            if ((mac & ~0xFFFF_FFFF_FFFFL) != 0) {
                throw new IllegalArgumentException("mac: 0x" + Long.toHexString(mac) + " (expected: 48 bits)");
            }
            if (statsSlot < 0 || statsSlot > 1) {
                throw new IllegalArgumentException("statsSlot: " + statsSlot + " (expected: 0 or 1)");
            }
        }
    }

    /** The outer headers and the inner Ethernet header: the shortest frame the relaying program takes. */
    static final int RELAY_MIN_LENGTH = VXLAN_OUTER_LENGTH + 14;

    /**
     * The relaying program of a VNI stitch between sides {@code a} and {@code b} (two VTEPs whose stitch ports hand
     * each other's frames on): it turns a VXLAN packet to one side into the packet the other side would send for its
     * inner frame, in place, and redirects it to that side's interface, when all of these hold; any other frame goes
     * to the kernel ({@code XDP_PASS}), and so to the VTEPs, unchanged:
     *
     * <ul>
     *   <li>the outer frame is as {@link #decapsulateToTrunk} takes it (addressed to the receiving side's MAC, IPv4
     *       with a right 20-byte header, not a fragment, no ECN mark, lengths matching the frame, UDP to the side's
     *       address and port, VXLAN flags exactly I), with the receiving side's VNI, and the inner frame has unicast
     *       addresses and carries IPv4;
     *   <li>the receiving side holds the inner source at the packet's outer source address (it would learn nothing)
     *       and the inner destination on its stitch port (it would hand the frame to that port only);
     *   <li>the sending side holds the inner source on its stitch port (it would learn nothing) and the inner
     *       destination at a remote VTEP whose next hop its hop map holds (it would send one packet, there);
     *   <li>the packet fits the sending side's MTU (a bigger one is the sending VTEP's, which answers it);
     *   <li>{@code deviceMapFd}, a device map with a slot per side (its {@code statsSlot}), holds the sending side's
     *       interface: the owner empties the slot while that interface is down, and the kernel when it goes away (the
     *       kernel would drop what the program sends there), and the packet then reaches the VTEPs.
     * </ul>
     *
     * <p>The packet leaves with the sending VTEP's default outer header, as {@link #encapsulateToUnderlay} builds it,
     * except for the UDP source port, which keeps the one the packet came with (a hash of the same inner frame, RFC
     * 7348 §5). Maps: remote maps keyed as {@link #decapsulateToTrunk}'s source map, value the remote's IPv4 address
     * and a word the program sets to 1 when it relays a frame from that MAC; local maps keyed alike, value that word
     * alone; hop maps as {@link #encapsulateToUnderlay}'s; {@code statsMap} a per-CPU array of two slots as there,
     * frames and bytes relayed out of each side.
     */
    public static BpfProgram relayStitched(StitchSide a, StitchSide b, int statsMapFd, int deviceMapFd) {
        if (a.address() == b.address() && a.port() == b.port()) {
            throw new IllegalArgumentException(
                    "sides: both at " + (a.address() >>> 24) + "." + (a.address() >>> 16 & 0xFF)
                            + "." + (a.address() >>> 8 & 0xFF) + "." + (a.address() & 0xFF) + ":" + a.port()
                            + " (expected: two VTEPs)");
        }
        if (a.statsSlot() == b.statsSlot()) {
            throw new IllegalArgumentException("statsSlot: both " + a.statsSlot() + " (expected: one slot per side)");
        }
        String pass = "pass";
        String drop = "drop";
        BpfProgram p = new BpfProgram()
                .frameStart(RELAY_MIN_LENGTH, pass)
                .vxlanPacket(pass)
                .ipv4HeaderSum() // the 20 bytes of a right header sum to 0xffff
                .jumpIfNotEqual(R0, 0xFFFF, pass);
        p.relayOneWay(a, b, statsMapFd, deviceMapFd, "b-side", pass, drop);
        p.label("b-side");
        p.relayOneWay(b, a, statsMapFd, deviceMapFd, pass, pass, drop);
        return p.verdicts(pass, drop);
    }

    /**
     * The part of {@link #relayStitched} for packets to side {@code in}, sent on from side {@code out}; a packet to
     * another address or port goes to {@code other} (two sides may share an address). Expects r6 the context, r9
     * the frame's length, the common checks done.
     */
    private void relayOneWay(
            StitchSide in, StitchSide out, int statsMapFd, int deviceMapFd, String other, String pass, String drop) {
        int vniIn = Integer.reverseBytes(in.vni() << 8); // the VNI field and reserved byte, read little-endian
        int vniOut = Integer.reverseBytes(out.vni() << 8);
        loadWord(R2, R6, XDP_MD_DATA)
                .loadWord(R3, R6, XDP_MD_DATA_END)
                .moveRegister(R4, R2)
                .addImmediate(R4, RELAY_MIN_LENGTH)
                .jumpIfGreater(R4, R3, pass)
                .loadWord(R4, R2, 30)
                .jumpIfNotEqual32(R4, Integer.reverseBytes(in.address()), other)
                .loadHalf(R4, R2, 36)
                .jumpIfNotEqual(R4, Short.toUnsignedInt(Short.reverseBytes((short) in.port())), other)
                .loadWord(R4, R2, 0)
                .jumpIfNotEqual32(R4, macLow(in.mac()), pass) // not addressed to this side's interface
                .loadHalf(R4, R2, 4)
                .jumpIfNotEqual(R4, macHigh(in.mac()), pass)
                .loadWord(R4, R2, 46)
                .jumpIfNotEqual32(R4, vniIn, pass) // another VNI: not stitched here
                .jumpIfGreaterImmediate(R9, out.mtu() + 14, pass) // too big for the other side's tunnel
                .loadWord(R7, R2, 26) // r7: outer source address
                // keys: [VNI field][MAC][0 0]; -16 in/source, -32 in/destination, -48 out/source, -64 out/destination
                .storeWordImmediate(R10, -16, vniIn)
                .storeWordImmediate(R10, -32, vniIn)
                .storeWordImmediate(R10, -48, vniOut)
                .storeWordImmediate(R10, -64, vniOut)
                .loadWord(R4, R2, 56)
                .loadHalf(R5, R2, 60)
                .storeWord(R10, -12, R4)
                .storeHalf(R10, -8, R5)
                .storeWord(R10, -44, R4)
                .storeHalf(R10, -40, R5)
                .loadWord(R4, R2, 50)
                .loadHalf(R5, R2, 54)
                .storeWord(R10, -28, R4)
                .storeHalf(R10, -24, R5)
                .storeWord(R10, -60, R4)
                .storeHalf(R10, -56, R5)
                .storeHalfImmediate(R10, -6, 0)
                .storeHalfImmediate(R10, -22, 0)
                .storeHalfImmediate(R10, -38, 0)
                .storeHalfImmediate(R10, -54, 0)
                .lookup(in.remoteMapFd(), -16, pass) // source not learned at a remote of this side
                .loadWord(R1, R0, 0)
                .jumpIfNotEqualRegister(R1, R7, pass) // learned at another remote
                .storeWordImmediate(R0, 4, 1) // seen: the owner refreshes the entry
                .lookup(in.localMapFd(), -32, pass) // destination not on this side's stitch port
                .lookup(out.localMapFd(), -48, pass) // source not on the other side's stitch port
                .storeWordImmediate(R0, 0, 1)
                .lookup(out.remoteMapFd(), -64, pass) // destination not at a remote of the other side
                .loadWord(R7, R0, 0) // r7: that remote's address
                .storeWord(R10, -68, R7)
                .lookup(out.hopMapFd(), -68, pass) // next hop not resolved: the VTEP's socket resolves it
                .loadWord(R8, R0, 0) // r8, low 48 bits: the next hop's MAC as read
                .loadHalf(R1, R0, 4)
                .storeWord(R10, -76, R8)
                .storeHalf(R10, -72, R1)
                .storeWordImmediate(R10, -84, out.statsSlot())
                .lookup(deviceMapFd, -84, pass) // the other side's interface is down or gone
                .loadWord(R1, R0, 0)
                .storeWord(R10, -80, R1) // its index
                .loadWord(R2, R6, XDP_MD_DATA)
                .loadWord(R3, R6, XDP_MD_DATA_END)
                .moveRegister(R4, R2)
                .addImmediate(R4, RELAY_MIN_LENGTH)
                .jumpIfGreater(R4, R3, pass)
                // outer Ethernet
                .loadWord(R1, R10, -76)
                .storeWord(R2, 0, R1)
                .loadHalf(R1, R10, -72)
                .storeHalf(R2, 4, R1)
                .storeWordImmediate(R2, 6, macLow(out.mac()))
                .storeHalfImmediate(R2, 10, macHigh(out.mac()))
                // IPv4: the length stays, the rest is the sending VTEP's default header
                .storeHalfImmediate(R2, 14, 0x0045)
                .storeHalfImmediate(R2, 18, 0)
                .storeHalfImmediate(R2, 20, 0x0040) // DF
                .storeHalfImmediate(R2, 22, 0x1140) // TTL 64, UDP
                .storeHalfImmediate(R2, 24, 0)
                .storeWordImmediate(R2, 26, Integer.reverseBytes(out.address()))
                .storeWord(R2, 30, R7)
                // UDP: the source port and the length stay
                .storeHalfImmediate(R2, 36, Short.toUnsignedInt(Short.reverseBytes((short) out.port())))
                .storeHalfImmediate(R2, 40, 0)
                // VXLAN: the flags stay
                .storeWordImmediate(R2, 46, vniOut)
                .storeHeaderChecksum(drop)
                .count(statsMapFd, out.statsSlot(), 0)
                .loadWord(R1, R10, -80)
                .moveImmediate(R2, 0)
                .call(HELPER_REDIRECT)
                .exit();
    }

    /** {@code r0 = bpf_map_lookup_elem(map, r10 + keyOffset)}; to {@code missing} if absent. Clobbers r1..r5. */
    private BpfProgram lookup(int mapFd, int keyOffset, String missing) {
        return loadMap(R1, mapFd)
                .moveRegister(R2, R10)
                .addImmediate(R2, keyOffset)
                .call(HELPER_MAP_LOOKUP)
                .jumpIfEqual(R0, 0, missing);
    }
}
