package io.vtep4j.examples.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TrunkIoTest {
    @Test
    void parsesEveryTrunkIo() {
        assertEquals(TrunkIo.AUTO, TrunkIo.parse("auto"));
        assertEquals(TrunkIo.AFPACKET, TrunkIo.parse("afpacket"));
        assertEquals(TrunkIo.PCAP, TrunkIo.parse("PCAP"));
        assertEquals(TrunkIo.XDP, TrunkIo.parse("xdp"));
        assertEquals(TrunkIo.XDP, TrunkIo.parse(" af_xdp "));
    }

    @Test
    void anUnknownTrunkIoNamesTheValueAndTheChoices() {
        ConfigException e = assertThrows(ConfigException.class, () -> TrunkIo.parse("dpdk"));
        assertEquals("--trunk-io dpdk: expected afpacket, xdp, pcap or auto", e.getMessage());
    }
}
