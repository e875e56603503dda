package io.vtep4j.examples.pcap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vtep4j.encap.VxlanHeader;
import io.vtep4j.examples.pcap.PacketSummary.Verdict;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.Set;

/**
 * Fuzzes the capture dissector on one packet at a time, as {@code vtep4j pcap} feeds it, and renders the summary in
 * both output formats. Input: {@code [link type][original-length byte][captured bytes...]}. Invariants: neither the
 * dissector nor the writers throw on any packet; an accepted packet names its encapsulation and VNI; a dropped one
 * names a reason.
 */
class DissectorFuzzTest {
    private static final LinkType[] LINK_TYPES = LinkType.values();
    private final TunnelDissector dissector =
            new TunnelDissector(Set.of(VxlanHeader.DEFAULT_PORT, VxlanHeader.LINUX_LEGACY_PORT));

    @FuzzTest(maxDuration = "10m")
    void dissect(byte[] input) {
        if (input.length < 2) {
            return;
        }
        LinkType linkType = LINK_TYPES[(input[0] & 0xFF) % LINK_TYPES.length];
        byte[] data = Arrays.copyOfRange(input, 2, input.length);
        // A snap length may have cut the packet: the wire length is at least what was captured, sometimes more.
        int original = (input[1] & 0x80) != 0 ? data.length + (input[1] & 0x7F) * 64 : input[1];
        PacketSummary summary = dissector.dissect(1, data, original, linkType);
        assertNotNull(summary);
        assertEquals(1, summary.n());
        if (summary.verdict() == Verdict.OK) {
            assertNotNull(summary.encap(), "an accepted packet names its encapsulation");
            assertNotNull(summary.vni(), "an accepted packet names its VNI");
            assertTrue(summary.vni() >= 0 && summary.vni() <= 0xFFFFFF);
        } else if (summary.verdict() == Verdict.DROP) {
            assertNotNull(summary.reason(), "a drop names its reason");
        }
        for (boolean json : new boolean[] {false, true}) {
            StringWriter out = new StringWriter();
            SummaryWriter writer =
                    json ? SummaryWriter.json(new PrintWriter(out)) : SummaryWriter.text(new PrintWriter(out));
            writer.write(summary);
            writer.flush();
        }
    }
}
