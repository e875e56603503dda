package io.vtep4j.examples.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vtep4j.OuterHeader;
import org.junit.jupiter.api.Test;

/** What {@code --src-port-range}, {@code --udp6-zero-checksum-tx} and {@code --df} read as. */
class OuterSendFlagsTest {

    @Test
    void rangesOffAndTheChecksumSwitchParse() {
        assertEquals(new OuterSendFlags(49152, 65535, false), OuterSendFlags.parse("49152-65535", false));
        assertEquals(new OuterSendFlags(7, 7, true), OuterSendFlags.parse(" 7-7 ", true), "one port is a range");
        assertEquals(OuterSendFlags.DEFAULT, OuterSendFlags.parse(null, false), "not given: the bound port");
        assertEquals(OuterSendFlags.DEFAULT, OuterSendFlags.parse("off", false));
    }

    @Test
    void dfModesParse() {
        assertEquals(OuterHeader.Df.SET, OuterSendFlags.df("set"));
        assertEquals(OuterHeader.Df.UNSET, OuterSendFlags.df("unset"));
        assertEquals(OuterHeader.Df.INHERIT, OuterSendFlags.df(" inherit"));
    }
}
