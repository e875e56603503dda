package io.vtep4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.vtep4j.testing.Ports;
import org.junit.jupiter.api.Test;

/** The outer TOS / TTL each rule gives an inner frame, and how the rules are set. */
class OuterHeaderTest {

    static final OuterHeader INHERIT =
            OuterHeader.builder().inheritTos().inheritTtl().build();

    /** IPv4, TOS as given, TTL 7. */
    static ByteBuf ipv4(String tos) {
        return PacketTooBigTest.frame(
                "020000000002",
                "020000000001",
                "0800",
                "45" + tos + "001c00004000" + "07" + "01" + "0000" + "0a3201010a320102" + "0800000000000000");
    }

    @Test
    void inheritCopiesDscpAndEcnAndTtlFromIpv4() {
        ByteBuf f = ipv4("ba"); // DSCP EF (46), ECT(0)
        assertEquals(0xba << 8 | 7, INHERIT.fields(f), "RFC 6040 normal mode: ECT(0) copied with the DSCP");
        f.release();
        f = ipv4("bb"); // EF, CE
        assertEquals(0xbb << 8 | 7, INHERIT.fields(f), "CE copied too");
        f.release();
    }

    @Test
    void inheritCopiesTrafficClassAndHopLimitFromIpv6() {
        // version 6, traffic class 0x29 (DSCP 10, ECT(1)), hop limit 3
        ByteBuf f = PacketTooBigTest.frame(
                "020000000002", "020000000001", "86dd", "62900000" + "0000" + "3b" + "03" + "00".repeat(32));
        assertEquals(0x29 << 8 | 3, INHERIT.fields(f));
        f.release();
    }

    @Test
    void inheritLooksPastVlanTags() {
        ByteBuf f = PacketTooBigTest.frame(
                "020000000002",
                "020000000001",
                "810000640800",
                "45b8001c00004000" + "05" + "01" + "0000" + "0a3201010a320102");
        assertEquals(0xb8 << 8 | 5, INHERIT.fields(f));
        f.release();
    }

    @Test
    void aNonIpFrameOrAZeroTtlGetsTheFixedValues() {
        OuterHeader h = OuterHeader.builder()
                .inheritTos()
                .dscp(10)
                .inheritTos()
                .ttl(33)
                .inheritTtl()
                .build();
        ByteBuf arp = PacketTooBigTest.frame("ffffffffffff", "020000000001", "0806", "0001080006040001");
        assertEquals(10 << 2 << 8 | 33, h.fields(arp));
        arp.release();
        ByteBuf zero = PacketTooBigTest.frame(
                "020000000002", "020000000001", "0800", "45b8001c00004000" + "00" + "01" + "0000" + "0a3201010a320102");
        assertEquals(0xb8 << 8 | 33, h.fields(zero));
        zero.release();
    }

    @Test
    void fixedRulesIgnoreTheInnerHeader() {
        OuterHeader h = OuterHeader.builder().dscp(46).ttl(200).build();
        ByteBuf f = ipv4("bb");
        assertEquals(46 << 2 << 8 | 200, h.fields(f), "compatibility mode: outer ECN Not-ECT");
        f.release();
        assertEquals("tos dscp 46 ttl 200", h.toString());
        assertEquals("tos inherit ttl inherit", INHERIT.toString());
    }

    @Test
    void badValuesAreRefused() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> OuterHeader.builder().dscp(64));
        assertTrue(e.getMessage().startsWith("dscp: 64 (expected:"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class, () -> OuterHeader.builder().ttl(0));
        assertTrue(e.getMessage().startsWith("ttl: 0 (expected:"), e.getMessage());
    }

    @Test
    void segmentsInheritTheVtepRuleAndMayOverrideIt() throws Exception {
        try (Vtep v = Vtep.builder()
                .localAddress("127.0.0.1")
                .port(Ports.freeUdp())
                .outerHeader(INHERIT)
                .build()) {
            assertEquals(INHERIT, v.segment(1).outerHeader());
            assertEquals(
                    OuterHeader.FIXED,
                    v.segment(2).outerHeader(OuterHeader.FIXED).outerHeader());
            SegmentImpl plain = (SegmentImpl) v.segment(2);
            // The VTEP's sockets carry TTL 64 / DSCP 0 (FIXED's own values): no per-packet fields needed.
            assertEquals(null, plain.outerHeader);
        }
        try (Vtep v =
                Vtep.builder().localAddress("127.0.0.1").port(Ports.freeUdp()).build()) {
            assertEquals(OuterHeader.FIXED, v.segment(1).outerHeader(), "default: fixed DSCP 0, TTL 64");
            assertEquals(null, ((SegmentImpl) v.segment(1)).outerHeader, "the plain path");
        }
    }
}
