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

    /**
     * Labels that the engine's counters, the gateway's status line and the pcap command's output report, and that
     * users match in scripts and dashboards: renaming one of these reasons or changing its label breaks them.
     */
    @Test
    void reportedLabelsKeepTheirReasons() {
        String[][] reported = {
            {"UNKNOWN_VNI", "unknown-vni"},
            {"REMOTE_NOT_ALLOWED", "remote-not-allowed"},
            {"MTU_EXCEEDED", "mtu-exceeded"},
            {"LOCAL_FRAME_TOO_SHORT", "local-frame-too-short"},
            {"UNMAPPED_VLAN", "unmapped-vlan"},
            {"SEND_FAILED", "send-failed"},
            {"NO_FLOOD_TARGETS", "no-flood-targets"},
            {"VXLAN_I_FLAG_NOT_SET", "vxlan-i-flag-not-set"},
            {"VXLAN_GPE_UNSUPPORTED", "vxlan-gpe-unsupported"},
            {"GRE_PROTOCOL_NOT_TEB", "gre-protocol-not-teb"},
            {"NVGRE_RESERVED_VSID", "nvgre-reserved-vsid"},
            {"SOURCE_IS_LOCAL", "source-is-local"},
            {"LINK_LOCAL_FRAME", "link-local-frame"},
            {"FLOOD_LIMITED", "flood-limited"},
            {"INTERNAL_ERROR", "internal-error"},
            {"CROSSING_TAGGED_FRAME", "crossing-tagged-frame"}
        };
        for (String[] nameAndLabel : reported) {
            assertEquals(nameAndLabel[1], DropReason.valueOf(nameAndLabel[0]).label(), nameAndLabel[0]);
        }
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
