package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

/**
 * A veth pair in the test JVM's namespace whose first end a kernel-side program sends to, for the tests of how the
 * program's owner follows that interface: taken down, brought up, deleted. {@link #close} deletes it if still there.
 */
final class FollowedLink implements AutoCloseable {
    /** One look of the owner at the interface: whether the program's device map changed. */
    interface Follow {
        boolean changed() throws Exception;
    }

    /** What the program does to a packet for the interface, checked at the moment {@code when} names. */
    interface Check {
        void check(String when) throws Exception;
    }

    private final String name;
    private final int index;

    private FollowedLink(String name, int index) {
        this.name = name;
        this.index = index;
    }

    /** Creates {@code name} (peer {@code peer}), both ends up. */
    static FollowedLink create(String name, String peer) {
        Namespace.SELF.ok("ip", "link", "add", name, "type", "veth", "peer", "name", peer);
        FollowedLink link = null;
        try {
            Namespace.SELF.ok("ip", "link", "set", peer, "up");
            Namespace.SELF.ok("ip", "link", "set", name, "up");
            String shown = Namespace.SELF.ok("ip", "-o", "link", "show", "dev", name); // "12: name@peer: <...>"
            link = new FollowedLink(
                    name,
                    Integer.parseInt(shown.substring(0, shown.indexOf(':')).trim()));
            return link;
        } finally {
            if (link == null) {
                Namespace.SELF.run(Duration.ofSeconds(10), "ip", "link", "del", name);
            }
        }
    }

    int index() {
        return index;
    }

    /**
     * Up as loaded, down, up again, then deleted: {@code follow} must change the map exactly when the interface went
     * down or came back up (the kernel empties it of a deleted interface by itself); {@code sent} checks the program
     * sends while the interface is up, {@code passed} that it leaves the packet alone while it is down or gone.
     */
    void assertFollowed(Follow follow, Check sent, Check passed) throws Exception {
        assertFalse(follow.changed(), "up, as loaded");
        sent.check("up, as loaded");

        Namespace.SELF.ok("ip", "link", "set", name, "down");
        assertTrue(follow.changed(), "down: taken out of the map");
        passed.check("down");
        assertFalse(follow.changed(), "still down: nothing changed since");

        Namespace.SELF.ok("ip", "link", "set", name, "up");
        assertTrue(follow.changed(), "up again: put back");
        sent.check("up again");

        Namespace.SELF.ok("ip", "link", "del", name);
        passed.check("gone: the kernel emptied the slot");
        assertFalse(follow.changed(), "gone: nothing to do");
    }

    /**
     * Moves address {@code cidr} from interface {@code from}, which stays, to a new veth {@code to} (peer
     * {@code peer}, MAC {@code mac}, both ends up), and puts {@code hop} at {@code neighbour} there: the address moved
     * while the interface it was on stays. The caller deletes {@code to}.
     */
    static void moveAddress(String from, String to, String peer, long mac, String cidr, String neighbour, long hop) {
        String colons = String.format("%012x", mac).replaceAll("(..)(?!$)", "$1:");
        String hopColons = String.format("%012x", hop).replaceAll("(..)(?!$)", "$1:");
        Namespace.SELF.ok("ip", "link", "add", to, "type", "veth", "peer", "name", peer);
        Namespace.SELF.ok("ip", "link", "set", to, "address", colons);
        Namespace.SELF.ok("ip", "link", "set", peer, "up");
        Namespace.SELF.ok("ip", "link", "set", to, "up");
        Namespace.SELF.ok("ip", "addr", "del", cidr, "dev", from);
        Namespace.SELF.ok("ip", "addr", "add", cidr, "dev", to);
        Namespace.SELF.ok("ip", "neigh", "replace", neighbour, "lladdr", hopColons, "dev", to, "nud", "permanent");
    }

    @Override
    public void close() {
        Namespace.SELF.run(Duration.ofSeconds(10), "ip", "link", "del", name);
    }
}
