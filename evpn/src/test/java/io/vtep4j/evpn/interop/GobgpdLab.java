package io.vtep4j.evpn.interop;

import io.vtep4j.interop.Await;
import io.vtep4j.interop.Lab;
import io.vtep4j.interop.Namespace;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One or two gobgpds of a test in a namespace "bgp" of their own, reached from the test's namespace over a veth
 * ({@code u-TAG} at 10.98.0.1/24 on the test's side). The first listens on 10.98.0.2, the second on 10.98.0.3; two
 * are peered over iBGP (AS 65000) and {@link #start} waits until their session is up. {@link #close()} stops them
 * and removes the lab, also after a failure. Not thread-safe: drive it from the test thread.
 */
public final class GobgpdLab implements AutoCloseable {

    /** The AS of every gobgpd here. */
    public static final int ASN = 65000;

    private static final String[] ADDRESSES = {"10.98.0.2", "10.98.0.3"};

    private final Lab lab;
    private final List<Gobgpd> daemons = new ArrayList<>();

    private GobgpdLab(String tag) {
        lab = new Lab(tag);
    }

    /**
     * Builds the lab {@code tag} and starts {@code count} (1 or 2) gobgpds in it; with two, waits up to {@code wait}
     * for their session.
     */
    public static GobgpdLab start(String tag, int count, Duration wait) {
        if (count < 1 || count > ADDRESSES.length) {
            throw new IllegalArgumentException("count: " + count + " (expected: 1 or 2)");
        }
        GobgpdLab bgp = new GobgpdLab(tag);
        try {
            Namespace ns = bgp.lab.namespace("bgp");
            bgp.lab.veth(Namespace.SELF, "u-" + tag, "10.98.0.1/24", ns, tag + "-u", ADDRESSES[0] + "/24");
            for (int i = 1; i < count; i++) {
                ns.address(tag + "-u", ADDRESSES[i] + "/24");
            }
            for (String a : ADDRESSES) {
                Namespace.SELF.assertRoute(a, "u-" + tag); // the gRPC clients reach the daemons over the lab's veth
            }
            for (int i = 0; i < count; i++) {
                List<String[]> peers = new ArrayList<>();
                for (int j = 0; j < count; j++) {
                    if (j != i) {
                        peers.add(new String[] {ADDRESSES[j], Integer.toString(ASN)});
                    }
                }
                bgp.daemons.add(new Gobgpd(ns, ADDRESSES[i], ASN, peers));
            }
            for (Gobgpd d : bgp.daemons) {
                d.start();
            }
            if (count == 2) {
                Gobgpd first = bgp.daemons.get(0);
                Await.until(
                        wait,
                        () -> first.established(ADDRESSES[1]),
                        () -> first.cli("neighbor").stdout() + first.log());
            }
            return bgp;
        } catch (RuntimeException | Error e) {
            bgp.close();
            throw e;
        }
    }

    /** The {@code index}-th gobgpd (0 or 1). */
    public Gobgpd daemon(int index) {
        return daemons.get(index);
    }

    @Override
    public void close() {
        try {
            for (Gobgpd d : daemons) {
                try {
                    d.close();
                } catch (RuntimeException e) {
                    System.err.println("teardown: " + e);
                }
            }
        } finally {
            lab.close();
        }
    }
}
