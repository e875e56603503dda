package io.vtep4j.internal.xdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A program the kernel refused is not offered to it again, unchanged, until the retry time has passed. */
class ProgramLoadsTest {
    private final AtomicLong clock = new AtomicLong(1_000);
    private final List<String> asked = new ArrayList<>();
    private boolean refuse = true;

    private final ProgramLoads loads = new ProgramLoads(
            "vtep4j_test",
            (program, name) -> {
                asked.add(name + " " + program.slots());
                if (refuse) {
                    throw new IOException("BPF_PROG_LOAD: Permission denied; R1 invalid mem access");
                }
                return 42;
            },
            clock::get);

    @Test
    void theSameRefusedProgramIsRefusedWithoutAskingUntilTheRetryTime() throws IOException {
        BpfProgram first = BpfProgram.redirectAllToSockets(7);
        IOException once = assertThrows(IOException.class, () -> loads.load(first));
        clock.addAndGet(ProgramLoads.RETRY_NANOS - 1);
        IOException again = assertThrows(IOException.class, () -> loads.load(BpfProgram.redirectAllToSockets(7)));
        assertEquals(once.getMessage(), again.getMessage());
        assertEquals(1, asked.size(), "the kernel asked once: " + asked);

        clock.addAndGet(1);
        refuse = false;
        assertEquals(42, loads.load(first));
        assertEquals(2, asked.size(), "asked again once the retry time passed: " + asked);
    }

    @Test
    void anotherProgramIsAskedForAtOnce() {
        assertThrows(IOException.class, () -> loads.load(BpfProgram.redirectAllToSockets(7)));
        assertThrows(IOException.class, () -> loads.load(BpfProgram.redirectAllToSockets(8)));
        assertEquals(2, asked.size(), "other instructions (another map): asked: " + asked);
    }

    @Test
    void aProgramTheKernelTakesForgetsTheRefusal() throws IOException {
        assertThrows(IOException.class, () -> loads.load(BpfProgram.redirectAllToSockets(7)));
        refuse = false;
        assertEquals(42, loads.load(BpfProgram.redirectAllToSockets(8)));
        assertEquals(42, loads.load(BpfProgram.redirectAllToSockets(7)), "within the retry time");
        assertEquals(3, asked.size(), "asked: " + asked);
        assertEquals("vtep4j_test " + BpfProgram.redirectAllToSockets(7).slots(), asked.get(2));
    }
}
