package io.vtep4j.encap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Drop reasons: unique negative codes, kebab-case labels, and a lossless code round trip. */
class DropReasonTest {

    @Test
    void codesAreUniqueNegativeAndRoundTrip() {
        Set<Integer> codes = new HashSet<>();
        Set<String> labels = new HashSet<>();
        for (DropReason reason : DropReason.values()) {
            assertTrue(reason.code() < 0, reason + " code " + reason.code());
            assertTrue(codes.add(reason.code()), "duplicate code " + reason.code());
            assertTrue(labels.add(reason.label()), "duplicate label " + reason.label());
            assertTrue(reason.label().matches("[a-z0-9]+(-[a-z0-9]+)*"), reason.label());
            assertEquals(reason.name().toLowerCase().replace('_', '-'), reason.label());
            assertEquals(reason, DropReason.fromCode(reason.code()));
            assertEquals(reason, DropReason.fromCodeOrNull((long) reason.code()));
        }
    }

    @Test
    void theContractNamesExist() {
        for (String name : new String[] {
            "UNKNOWN_VNI",
            "REMOTE_NOT_ALLOWED",
            "MTU_EXCEEDED",
            "LOCAL_FRAME_TOO_SHORT",
            "UNMAPPED_VLAN",
            "SEND_FAILED",
            "NO_FLOOD_TARGETS",
            "VXLAN_I_FLAG_NOT_SET",
            "VXLAN_GPE_UNSUPPORTED",
            "GRE_PROTOCOL_NOT_TEB",
            "NVGRE_RESERVED_VSID"
        }) {
            DropReason.valueOf(name);
        }
        assertEquals("vxlan-i-flag-not-set", DropReason.VXLAN_I_FLAG_NOT_SET.label());
    }

    @Test
    void fromCodeRejectsWhatIsNotACode() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DropReason.fromCode(5));
        assertEquals("code: 5 (expected: the code() of a DropReason)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DropReason.fromCode(-999));
        assertThrows(IllegalArgumentException.class, () -> DropReason.fromCode(-5)); // a gap
        assertNull(DropReason.fromCodeOrNull(100));
        assertNull(DropReason.fromCodeOrNull(Integer.MIN_VALUE));
    }
}
