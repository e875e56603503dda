package io.vtep4j.encap;

import static io.vtep4j.encap.Ecn.CE;
import static io.vtep4j.encap.Ecn.DROP;
import static io.vtep4j.encap.Ecn.ECT_0;
import static io.vtep4j.encap.Ecn.ECT_1;
import static io.vtep4j.encap.Ecn.NOT_ECT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 6040's encapsulation rule and decapsulation table (§4.2, Figure 4), cell by cell. */
class EcnTest {

    @ParameterizedTest(name = "inner {0} -> outer {1}")
    @CsvSource({"0, 0", "1, 1", "2, 2", "3, 3"})
    void normalModeCopiesTheInnerEcnFieldOntoTheOuterHeader(int inner, int outer) {
        assertEquals(outer, Ecn.encapsulate(inner));
    }

    @ParameterizedTest(name = "outer {0}, inner {1} -> {2}")
    @CsvSource({
        // outer Not-ECT: the inner field stays
        "0, 0, 0", "0, 2, 2", "0, 1, 1", "0, 3, 3",
        // outer ECT(0): the inner field stays (inner Not-ECT is the "(!)" cell: still Not-ECT)
        "2, 0, 0", "2, 2, 2", "2, 1, 1", "2, 3, 3",
        // outer ECT(1): inner ECT(0) becomes ECT(1); the rest stays
        "1, 0, 0", "1, 2, 1", "1, 1, 1", "1, 3, 3",
        // outer CE: CE unless the inner transport is not ECN-capable, then drop
        "3, 0, -1", "3, 2, 3", "3, 1, 3", "3, 3, 3"
    })
    void decapsulationFollowsFigure4(int outer, int inner, int expected) {
        assertEquals(expected, Ecn.decapsulate(outer, inner));
    }

    @Test
    void aValueWiderThanTheEcnFieldIsRefusedNotCut() {
        ByteBuf ip = Unpooled.wrappedBuffer(HexFormat.of().parseHex("45ba00201234400040110000" + "0a3201010a320102"));
        ByteBuf ip6 = Unpooled.wrappedBuffer(new byte[40]);
        try {
            for (int ecn : new int[] {4, 7, -1}) {
                assertEquals(
                        "ecn: " + ecn + " (expected: 0..3)",
                        assertThrows(IllegalArgumentException.class, () -> Ecn.setIpv4(ip, 0, ecn))
                                .getMessage());
                assertThrows(IllegalArgumentException.class, () -> Ecn.setIpv6(ip6, 0, ecn));
            }
            assertEquals(0xba, ip.getUnsignedByte(1), "nothing written");
            assertEquals(0, ip6.getInt(0), "nor into the IPv6 header");
        } finally {
            ip.release();
            ip6.release();
        }
    }

    @Test
    void namedCodepointsAreTheWireValues() {
        assertEquals(0b00, NOT_ECT);
        assertEquals(0b01, ECT_1);
        assertEquals(0b10, ECT_0);
        assertEquals(0b11, CE);
        assertEquals(-1, DROP);
    }

    @Test
    void markingAnIpv4HeaderCeKeepsItsChecksumValid() {
        // 10.50.1.1 -> 10.50.1.2, TOS 0xb8 | ECT(0) = 0xba, DF, TTL 64, UDP; checksum computed over the header.
        ByteBuf ip = Unpooled.wrappedBuffer(HexFormat.of().parseHex("45ba00201234400040110000" + "0a3201010a320102"));
        ip.setShort(10, InternetChecksum.of(ip, 0, 20));
        Ecn.setIpv4(ip, 0, CE);
        assertEquals(0xbb, ip.getUnsignedByte(1), "DSCP EF kept, ECN CE");
        assertEquals(0, InternetChecksum.of(ip, 0, 20), ByteBufUtil.hexDump(ip));
        assertEquals(CE, Ecn.ipv4(ip, 0));
        ip.release();
    }

    @Test
    void markingAnIpv6HeaderTouchesOnlyTheEcnBits() {
        // version 6, traffic class 0xb9 (EF, ECT(1)), flow label 0x12345
        ByteBuf ip = Unpooled.wrappedBuffer(HexFormat.of().parseHex("6b912345"));
        Ecn.setIpv6(ip, 0, CE);
        assertEquals("6bb12345", ByteBufUtil.hexDump(ip));
        assertEquals(CE, Ecn.ipv6(ip, 0));
        ip.release();
    }
}
