package io.vtep4j.examples.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.OuterHeader;
import org.junit.jupiter.api.Test;

/** What {@code --src-port-range}, {@code --udp6-zero-checksum-tx}, {@code --udp-gso} and {@code --df} read as. */
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

    @Test
    void gsoIsOffUnlessAskedAndExcludesTheRawSendOptions() {
        assertEquals(false, OuterSendFlags.DEFAULT.udpGso());
        assertEquals(
                new OuterSendFlags(0, 0, false, true),
                OuterSendFlags.parse(null, false).withGso(true));
        ConfigException range = assertThrows(
                ConfigException.class,
                () -> OuterSendFlags.parse("49152-65535", false).withGso(true));
        assertTrue(
                range.getMessage().contains("--udp-gso") && range.getMessage().contains("--src-port-range"),
                range.getMessage());
        ConfigException zero = assertThrows(
                ConfigException.class, () -> OuterSendFlags.parse(null, true).withGso(true));
        assertTrue(zero.getMessage().contains("--udp6-zero-checksum-tx"), zero.getMessage());
        assertEquals(
                new OuterSendFlags(7, 7, true, false),
                OuterSendFlags.parse("7-7", true).withGso(false));
    }
}
