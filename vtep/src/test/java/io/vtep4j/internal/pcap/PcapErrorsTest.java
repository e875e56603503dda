package io.vtep4j.internal.pcap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PcapErrorsTest {

    @Test
    void missingPrivilegeNamesTheInterfaceAndCapNetRaw() {
        Exception cause = new Exception("h1p: You don't have permission to perform this capture on that device\n"
                + "(socket: Operation not permitted)");
        IllegalStateException e = PcapErrors.openFailed("h1p", cause);
        assertTrue(
                e.getMessage()
                        .startsWith("PcapPort h1p: capturing and injecting frames needs root or " + "CAP_NET_RAW"),
                e.getMessage());
        assertTrue(e.getMessage().contains("Operation not permitted"), e.getMessage());
        assertSame(cause, e.getCause());
    }

    @Test
    void otherFailuresCarryLibpcapsWords() {
        IllegalStateException e = PcapErrors.openFailed("eth7", new Exception("eth7: No such device exists"));
        assertEquals(
                "PcapPort eth7: cannot open a live capture (libpcap: eth7: No such device exists)", e.getMessage());
    }
}
