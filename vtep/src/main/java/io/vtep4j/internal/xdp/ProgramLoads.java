package io.vtep4j.internal.xdp;

import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Loads the programs of one offload, and remembers the last one the kernel refused. The watch thread builds a program
 * again on every round in which an interface's values differ from the running program's; while the kernel refuses
 * the program for those values, asking its verifier five times a second would hold the offload's lock for a
 * verifier run each time. So the same instructions, refused less than {@link #RETRY_NANOS} ago, get the same
 * refusal without a system call. A refusal can be for want of memory, so the same program is tried again after
 * that time.
 */
final class ProgramLoads {
    /** How long a refused program is refused without asking the kernel again. */
    static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** The system call behind {@link #load}. */
    interface Loader {
        int load(BpfProgram program, String name) throws IOException;
    }

    private final String name;
    private final Loader loader;
    private final LongSupplier clock;
    private byte[] refused;
    private String why;
    private long refusedAt;

    /** Programs named {@code name} in {@code bpftool prog}, loaded through {@code BPF_PROG_LOAD}. */
    ProgramLoads(String name) {
        this(name, Bpf::loadXdp, System::nanoTime);
    }

    ProgramLoads(String name, Loader loader, LongSupplier clock) {
        this.name = name;
        this.loader = loader;
        this.clock = clock;
    }

    /**
     * Loads {@code program} as an XDP program and returns its descriptor.
     *
     * @throws IOException the kernel's refusal, now or, for the same instructions, within {@link #RETRY_NANOS}
     */
    synchronized int load(BpfProgram program) throws IOException {
        byte[] code = program.bytes();
        long now = clock.getAsLong();
        if (refused != null && now - refusedAt < RETRY_NANOS && Arrays.equals(code, refused)) {
            throw new IOException(why);
        }
        try {
            int fd = loader.load(program, name);
            refused = null;
            why = null;
            return fd;
        } catch (IOException e) {
            refused = code;
            why = e.getMessage();
            refusedAt = now;
            throw e;
        }
    }
}
