package io.vtep4j.learning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MacAddressTest {

    @Test
    void parsesColonFormWithFirstOctetInTheHighBits() {
        assertEquals(0x001122334455L, MacAddress.parse("00:11:22:33:44:55"));
        assertEquals(0xAABBCCDDEEFFL, MacAddress.parse("AA:bb:Cc:dd:EE:ff"));
    }

    @Test
    void parsesHyphenForm() {
        assertEquals(0x0200_0000_0001L, MacAddress.parse("02-00-00-00-00-01"));
    }

    @Test
    void formatsLowerCaseWithColonsAndLeadingZeros() {
        assertEquals("00:0a:00:00:00:01", MacAddress.toString(0x000A_0000_0001L));
        assertEquals("ff:ff:ff:ff:ff:ff", MacAddress.toString(MacAddress.BROADCAST));
    }

    @Test
    void roundTripsThroughText() {
        for (long mac : new long[] {0L, 1L, 0x0123456789ABL, 0xFEDCBA987654L, MacAddress.MASK}) {
            assertEquals(mac, MacAddress.parse(MacAddress.toString(mac)));
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "00:11:22:33:44",
                "00:11:22:33:44:5",
                "00:11:22:33:44:555",
                "00:11-22:33:44:55",
                "00.11.22.33.44.55",
                "0g:11:22:33:44:55",
                "00:11:22:33:44:5z",
                "001122334455"
            })
    void rejectsMalformedTextNamingTheValue(String text) {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MacAddress.parse(text));
        assertTrue(e.getMessage().contains("\"" + text + "\""), e.getMessage());
    }

    @Test
    void rejectsNullText() {
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse(null));
    }

    @Test
    void refusesToFormatValuesWiderThan48Bits() {
        final IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> MacAddress.toString(1L << 48));
        assertEquals("mac: 0x1000000000000 (expected: 0..0xffffffffffff)", e.getMessage());
    }

    @Test
    void groupBitIsTheLowBitOfTheFirstOctet() {
        assertTrue(MacAddress.isGroup(MacAddress.parse("01:00:5e:00:00:01")));
        assertTrue(MacAddress.isGroup(MacAddress.parse("33:33:00:00:00:01")));
        assertTrue(MacAddress.isGroup(MacAddress.BROADCAST));
        assertFalse(MacAddress.isGroup(MacAddress.parse("02:00:00:00:00:01")));
        assertFalse(MacAddress.isGroup(MacAddress.parse("00:00:00:00:00:01")));
    }

    @Test
    void recognisesBroadcastAndZero() {
        assertTrue(MacAddress.isBroadcast(MacAddress.parse("ff:ff:ff:ff:ff:ff")));
        assertFalse(MacAddress.isBroadcast(MacAddress.parse("ff:ff:ff:ff:ff:fe")));
        assertTrue(MacAddress.isZero(MacAddress.parse("00:00:00:00:00:00")));
        assertFalse(MacAddress.isZero(1L));
    }
}
