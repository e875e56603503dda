package io.vtep4j.examples.demo;

/** IPv4 addresses as {@code int} and MACs as {@code long}, to and from text. Stateless, thread-safe. */
public final class Addresses {
    private Addresses() {}

    /** Dotted-quad text of an IPv4 address held in an {@code int} (network order). */
    public static String ipv4(int address) {
        return (address >>> 24) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "."
                + (address & 0xFF);
    }

    /** Parses a dotted-quad IPv4 address; throws {@link IllegalArgumentException} naming the text otherwise. */
    public static int ipv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("ipv4: " + text + " (expected: a.b.c.d)");
        }
        int address = 0;
        for (String part : parts) {
            int octet;
            try {
                octet = Integer.parseInt(part);
            } catch (NumberFormatException e) {
                octet = -1;
            }
            if (octet < 0 || octet > 255) {
                throw new IllegalArgumentException("ipv4: " + text + " (expected: four octets 0..255)");
            }
            address = (address << 8) | octet;
        }
        return address;
    }
}
