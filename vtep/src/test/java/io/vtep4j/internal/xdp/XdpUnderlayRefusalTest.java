package io.vtep4j.internal.xdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.vtep4j.internal.UnderlayConfig;
import java.net.InetAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * What the AF_XDP underlay refuses from its configuration alone (it then falls back to the kernel's sockets and logs
 * the reason): GSO only with XDP, where it writes frames itself; GRO in both modes.
 */
class XdpUnderlayRefusalTest {

    private static final EventLoopGroup GROUP = new DefaultEventLoopGroup(1);

    @AfterAll
    static void stop() {
        GROUP.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static UnderlayConfig.Builder config(boolean receiveOnly) throws Exception {
        return UnderlayConfig.builder(GROUP)
                .localAddress(InetAddress.getByName("10.0.0.1"))
                .port(4789)
                .afXdp(true)
                .afXdpReceiveOnly(receiveOnly);
    }

    @Test
    void receiveOnlyTakesGso() throws Exception {
        assertNull(XdpUnderlay.refusal(config(true).udpGso(true).build()));
        assertNull(XdpUnderlay.refusal(config(true).build()));
    }

    @Test
    void receiveOnlyRefusesGroNamingTheModeAndTheRule() throws Exception {
        String why = XdpUnderlay.refusal(config(true).udpGso(true).udpGro(true).build());
        assertEquals(
                "udpGro true with XDP_RECEIVE (expected: udpGro false; the AF_XDP socket takes the datagrams before"
                        + " the kernel's UDP layer could coalesce them)",
                why);
    }

    @Test
    void xdpRefusesGsoAndGroPointingAtXdpReceive() throws Exception {
        for (UnderlayConfig c : new UnderlayConfig[] {
            config(false).udpGso(true).build(), config(false).udpGro(true).build()
        }) {
            String why = XdpUnderlay.refusal(c);
            assertTrue(why != null && why.startsWith("udpGso/udpGro true with XDP ("), why);
            assertTrue(why.contains("XDP_RECEIVE for udpGso"), why);
        }
        assertNull(XdpUnderlay.refusal(config(false).build()));
    }

    @Test
    void bothModesStillRefuseSourcePortsAndIpv6Only() throws Exception {
        for (boolean receiveOnly : new boolean[] {false, true}) {
            assertTrue(XdpUnderlay.refusal(config(receiveOnly).sourcePorts(4).build())
                    .startsWith("source-port sockets"));
            UnderlayConfig v6 = UnderlayConfig.builder(GROUP)
                    .localAddress(InetAddress.getByName("fd00::1"))
                    .afXdp(true)
                    .afXdpReceiveOnly(receiveOnly)
                    .build();
            assertTrue(XdpUnderlay.refusal(v6).startsWith("no IPv4 local address"));
        }
    }
}
