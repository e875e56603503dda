package io.vtep4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A segment that is not the core's own is refused before a port is attached or a capture opened. */
class PcapPortMisuseTest {

    @Test
    void aSegmentFromElsewhereIsRefusedBeforeAnythingIsOpened() {
        List<String> called = new ArrayList<>();
        Segment foreign = (Segment) Proxy.newProxyInstance(
                Segment.class.getClassLoader(), new Class<?>[] {Segment.class}, (proxy, method, args) -> {
                    called.add(method.getName());
                    throw new UnsupportedOperationException(method.getName());
                });
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> PcapPort.builder("lo").open(foreign));
        assertTrue(e.getMessage().startsWith("segment: "), e.getMessage());
        assertTrue(e.getMessage().endsWith(" (expected: a segment from Vtep.segment(vni))"), e.getMessage());
        assertEquals(List.of(), called, "nothing was attached to it");
    }
}
