package io.vtep4j.internal;

import io.vtep4j.internal.libc.LibC;
import java.io.IOException;
import java.util.function.IntSupplier;

/**
 * The outer-header socket options Netty does not expose, set with {@code setsockopt(2)} through {@link LibC} on the
 * file descriptor of an epoll channel: unicast TTL / hop limit, DF (path-MTU discovery "do"), and a zero UDP checksum.
 * Linux only. Stateless, thread-safe.
 */
public final class SocketOptions {

    /** {@code <sys/socket.h>}: SOL_SOCKET. */
    static final int SOL_SOCKET = 1;
    /** {@code <asm-generic/socket.h>}: SO_NO_CHECK — send UDP over IPv4 with a zero checksum. */
    static final int SO_NO_CHECK = 11;
    /** {@code <asm-generic/socket.h>}: SO_RCVBUF. */
    static final int SO_RCVBUF = 8;
    /** {@code <asm-generic/socket.h>}: SO_RXQ_OVFL — the socket's drop counter with each datagram read. */
    static final int SO_RXQ_OVFL = 40;
    /** {@code <asm-generic/socket.h>}: SO_BUSY_POLL — microseconds a read busy-polls the device when empty. */
    static final int SO_BUSY_POLL = 46;
    /** {@code <asm-generic/socket.h>}: SO_PREFER_BUSY_POLL — keep the device's interrupts off while busy-polling. */
    static final int SO_PREFER_BUSY_POLL = 69;
    /** {@code <asm-generic/socket.h>}: SO_SNDBUFFORCE — SO_SNDBUF past net.core.wmem_max, with CAP_NET_ADMIN. */
    static final int SO_SNDBUFFORCE = 32;
    /** {@code <asm-generic/socket.h>}: SO_RCVBUFFORCE — SO_RCVBUF past net.core.rmem_max, with CAP_NET_ADMIN. */
    static final int SO_RCVBUFFORCE = 33;
    /** {@code <netinet/in.h>}: IPPROTO_IP. */
    static final int IPPROTO_IP = 0;
    /** {@code <linux/in.h>}: IP_TTL. */
    static final int IP_TTL = 2;
    /** {@code <linux/in.h>}: IP_MTU_DISCOVER. */
    static final int IP_MTU_DISCOVER = 10;
    /** {@code <linux/in.h>}: IP_PMTUDISC_DO — always set DF, never fragment locally (EMSGSIZE instead). */
    static final int IP_PMTUDISC_DO = 2;
    /** {@code <netinet/in.h>}: IPPROTO_IPV6. */
    static final int IPPROTO_IPV6 = 41;
    /** {@code <linux/in6.h>}: IPV6_UNICAST_HOPS. */
    static final int IPV6_UNICAST_HOPS = 16;
    /** {@code <linux/in6.h>}: IPV6_MTU_DISCOVER. */
    static final int IPV6_MTU_DISCOVER = 23;
    /** {@code SOL_UDP} (IPPROTO_UDP). */
    static final int SOL_UDP = 17;
    /** {@code UDP_NO_CHECK6_RX}: accept IPv6 UDP datagrams whose checksum is zero (RFC 6935, RFC 6936). */
    static final int UDP_NO_CHECK6_RX = 102;
    /** {@code UDP_NO_CHECK6_TX}: send IPv6 UDP datagrams with a zero checksum (RFC 6935, RFC 6936). */
    static final int UDP_NO_CHECK6_TX = 101;
    /** {@code <linux/in.h>}: IP_PMTUDISC_DONT — never set DF (fragment locally if need be). */
    static final int IP_PMTUDISC_DONT = 0;
    /** {@code <linux/in6.h>}: IPV6_PMTUDISC_DO. */
    static final int IPV6_PMTUDISC_DO = 2;

    /** {@code <linux/in.h>}: IP_RECVTOS — an {@code IP_TOS} control message (the TOS byte) per read. */
    static final int IP_RECVTOS = 13;
    /** {@code <linux/in6.h>}: IPV6_RECVTCLASS — an {@code IPV6_TCLASS} control message (the traffic class) per read. */
    static final int IPV6_RECVTCLASS = 66;
    /** {@code <linux/in.h>}: IP_PKTINFO — an {@code in_pktinfo} control message (with the destination) per read. */
    static final int IP_PKTINFO = 8;
    /** {@code <linux/in6.h>}: IPV6_RECVPKTINFO — the same for IPv6 ({@code in6_pktinfo}). */
    static final int IPV6_RECVPKTINFO = 49;

    /** {@code <linux/in6.h>}: IPV6_RECVORIGDSTADDR — the destination as a sockaddr_in6 control message per read. */
    static final int IPV6_RECVORIGDSTADDR = 74;

    private SocketOptions() {}

    /**
     * Sets TTL / hop limit and DF on a UDP socket, and (IPv4 only, when asked) a zero UDP checksum.
     *
     * @throws IOException naming the option that failed and errno
     */
    public static void configureOuterHeader(int fd, boolean ipv6, int ttl, boolean zeroChecksum) throws IOException {
        configureOuterHeader(fd, ipv6, ttl, zeroChecksum, false);
    }

    /**
     * {@link #configureOuterHeader(int, boolean, int, boolean)}; {@code udp}: a UDP socket, which over IPv6 also
     * accepts datagrams with a zero checksum (UDP_NO_CHECK6_RX).
     *
     * @throws IOException naming the option that failed and errno
     */
    public static void configureOuterHeader(int fd, boolean ipv6, int ttl, boolean zeroChecksum, boolean udp)
            throws IOException {
        if (ipv6) {
            set(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl, "IPV6_UNICAST_HOPS");
            // RFC 7348 §4.3: no fragmentation.
            set(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO, "IPV6_MTU_DISCOVER");
            if (udp) {
                // RFC 7348 §5: a zero UDP checksum MUST be accepted; over IPv6, RFC 6935 lets a tunnel endpoint do so.
                set(fd, SOL_UDP, UDP_NO_CHECK6_RX, 1, "UDP_NO_CHECK6_RX");
            }
        } else {
            set(fd, IPPROTO_IP, IP_TTL, ttl, "IP_TTL");
            // RFC 7348 §4.3: VTEPs MUST NOT fragment; DF set on every packet.
            set(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO, "IP_MTU_DISCOVER");
            if (zeroChecksum) {
                // RFC 7348 §5: the UDP checksum SHOULD be transmitted as zero over IPv4.
                set(fd, SOL_SOCKET, SO_NO_CHECK, 1, "SO_NO_CHECK");
            }
        }
    }

    /**
     * What {@link OuterSend} asks of a sending socket beyond {@link #configureOuterHeader}: DF cleared on IPv4 when
     * the rule is unset, and over IPv6 zero UDP checksums (never with GSO: Linux refuses GSO on such a socket).
     *
     * @throws IOException naming the option that failed and errno
     */
    public static void configureSend(int fd, boolean ipv6, OuterSend send, boolean gso) throws IOException {
        if (!ipv6 && !send.dontFragment()) {
            set(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT, "IP_MTU_DISCOVER");
        }
        if (ipv6 && send.zeroChecksum6() && !gso) {
            set(fd, SOL_UDP, UDP_NO_CHECK6_TX, 1, "UDP_NO_CHECK6_TX");
        }
    }

    /**
     * Asks the kernel to report each received datagram's destination address (IP_PKTINFO, or IPV6_RECVPKTINFO on an
     * IPv6 socket), so that a socket bound to a wildcard address can tell what was addressed to whom.
     *
     * @throws IOException naming the option that failed and errno
     */
    public static void receiveDestination(int fd, boolean ipv6) throws IOException {
        if (ipv6) {
            set(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO");
        } else {
            set(fd, IPPROTO_IP, IP_PKTINFO, 1, "IP_PKTINFO");
        }
    }

    /**
     * Asks the kernel to report each received datagram's TOS (IP_RECVTOS) or, on an IPv6 socket, traffic class
     * (IPV6_RECVTCLASS; IP_RECVTOS as well, best effort, for IPv4 packets on a dual-stack socket), so that the outer
     * ECN field can be applied to the inner packet (RFC 6040 §4.2).
     *
     * @throws IOException naming the option that failed and errno
     */
    public static void receiveTos(int fd, boolean ipv6) throws IOException {
        if (ipv6) {
            set(fd, IPPROTO_IPV6, IPV6_RECVTCLASS, 1, "IPV6_RECVTCLASS");
            try {
                set(fd, IPPROTO_IP, IP_RECVTOS, 1, "IP_RECVTOS");
            } catch (IOException e) {
                // an IPv6-only socket: no IPv4 packets to report
            }
        } else {
            set(fd, IPPROTO_IP, IP_RECVTOS, 1, "IP_RECVTOS");
        }
    }

    /**
     * Asks the kernel to attach the socket's drop counter to every datagram read (SO_RXQ_OVFL), so that the reader
     * can count what was lost before it.
     *
     * @throws IOException naming the option that failed and errno
     */
    public static void receiveDropCount(int fd) throws IOException {
        set(fd, SOL_SOCKET, SO_RXQ_OVFL, 1, "SO_RXQ_OVFL");
    }

    /**
     * Busy polling on a socket: SO_BUSY_POLL of {@code micros} and SO_PREFER_BUSY_POLL (both need CAP_NET_ADMIN
     * beyond the host's {@code net.core.busy_read}).
     *
     * @throws IOException naming the option that failed and errno
     */
    public static void busyPoll(int fd, int micros) throws IOException {
        set(fd, SOL_SOCKET, SO_BUSY_POLL, micros, "SO_BUSY_POLL");
        set(fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, 1, "SO_PREFER_BUSY_POLL");
    }

    /**
     * Asks for IPV6_ORIGDSTADDR control messages on an IPv6 socket: Netty's epoll channel turns them into
     * {@code DatagramPacket.recipient()}, but its IP_RECVORIGDSTADDR option enables only the IPv4 one.
     *
     * @throws IOException naming the option that failed and errno
     */
    public static void receiveOriginalDestinationV6(int fd) throws IOException {
        set(fd, IPPROTO_IPV6, IPV6_RECVORIGDSTADDR, 1, "IPV6_RECVORIGDSTADDR");
    }

    /**
     * Best effort: socket buffers of {@code bytes} each way even above net.core.rmem_max / wmem_max (whose default,
     * 208 KiB, holds only a few hundred small datagrams). Needs CAP_NET_ADMIN; without it the buffers stay what
     * SO_RCVBUF / SO_SNDBUF got. Returns whether it took.
     */
    public static boolean forceBuffers(int fd, int bytes) {
        try {
            set(fd, SOL_SOCKET, SO_RCVBUFFORCE, bytes, "SO_RCVBUFFORCE");
            set(fd, SOL_SOCKET, SO_SNDBUFFORCE, bytes, "SO_SNDBUFFORCE");
            return true;
        } catch (IOException e) {
            return false; // EPERM without CAP_NET_ADMIN: keep the capped sizes
        }
    }

    /** Reads an int socket option (tests use it to prove what was set). */
    public static int get(int fd, int level, int name) throws IOException {
        int[] value = new int[1];
        int[] length = {Integer.BYTES};
        call("getsockopt(" + level + ", " + name + ")", () -> LibC.getsockopt(fd, level, name, value, length));
        return value[0];
    }

    static void set(int fd, int level, int name, int value, String label) throws IOException {
        call(
                "setsockopt(" + label + ", " + value + ")",
                () -> LibC.setsockopt(fd, level, name, new int[] {value}, Integer.BYTES));
    }

    /**
     * Makes a libc call that returns 0 or -1 and errno. A failure, or a libc JNA cannot load, becomes an
     * {@link IOException} "{@code what} failed: [errno] description".
     */
    static void call(String what, IntSupplier call) throws IOException {
        int result;
        try {
            result = call.getAsInt();
        } catch (LinkageError e) {
            throw new IOException(what + " failed: " + e.getMessage(), e);
        }
        if (result != 0) {
            int errno = LibC.errno();
            throw new IOException(what + " failed: [" + errno + "] " + LibC.strerror(errno));
        }
    }
}
