package io.vtep4j.internal.raw;

import io.vtep4j.internal.libc.LibC;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * A non-blocking {@code socket(AF_INET[6], SOCK_RAW, protocol)} bound to one local address. The kernel builds the
 * outer IP header on send (no IP_HDRINCL), so TTL, TOS and DF are ordinary socket options set by the owner.
 *
 * <p>Threading: opened on the building thread, then its descriptor is handed to one event loop (whose channel then
 * owns and closes it); {@link #close} is idempotent. Carries no {@code ByteBuf}.
 */
public final class RawIpSocket implements AutoCloseable {

    /** IP protocol number of GRE (RFC 2784), the transport of NVGRE (RFC 7637 §3). */
    public static final int IPPROTO_GRE = 47;

    private final int fd;
    private final boolean ipv6;
    private final int protocol;
    private volatile boolean closed;

    private RawIpSocket(int fd, boolean ipv6, int protocol) {
        this.fd = fd;
        this.ipv6 = ipv6;
        this.protocol = protocol;
    }

    /**
     * Opens a non-blocking raw socket for {@code protocol} and binds it to {@code local} (so only packets
     * addressed to it are received).
     *
     * @throws IOException if the socket cannot be opened or bound; without root or CAP_NET_RAW the message names
     *                     the missing permission
     */
    public static RawIpSocket open(InetAddress local, int protocol) throws IOException {
        return open(local, protocol, true);
    }

    /**
     * As {@link #open(InetAddress, int)}, optionally blocking (for a dedicated-thread reader, as the raw transport
     * probe in bench compares).
     *
     * @throws IOException as {@link #open(InetAddress, int)}
     */
    public static RawIpSocket open(InetAddress local, int protocol, boolean nonBlocking) throws IOException {
        if (protocol < 1 || protocol > 255) {
            throw new IllegalArgumentException("protocol: " + protocol + " (expected: 1..255)");
        }
        boolean ipv6 = local instanceof Inet6Address;
        int family = ipv6 ? LibC.AF_INET6 : LibC.AF_INET;
        int type = LibC.SOCK_RAW | LibC.SOCK_CLOEXEC | (nonBlocking ? LibC.SOCK_NONBLOCK : 0);
        int fd = LibC.socket(family, type, protocol);
        if (fd < 0) {
            throw new IOException(openFailureMessage(LibC.errno(), ipv6, protocol));
        }
        RawIpSocket socket = new RawIpSocket(fd, ipv6, protocol);
        try {
            socket.bind(local);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
        return socket;
    }

    /** Explains why {@code socket()} failed; EPERM / EACCES name the missing privilege. */
    static String openFailureMessage(int errno, boolean ipv6, int protocol) {
        String call = "socket(" + (ipv6 ? "AF_INET6" : "AF_INET") + ", SOCK_RAW, " + protocol + ")";
        String cause = cause(errno);
        if ((errno == LibC.EPERM || errno == LibC.EACCES) && protocol != IPPROTO_GRE) {
            return "raw IP socket not permitted: " + call + " needs root or the CAP_NET_RAW capability (" + cause + ")";
        }
        if (errno == LibC.EPERM || errno == LibC.EACCES) {
            return "raw IP socket not permitted: " + call + " needs root or the CAP_NET_RAW capability"
                    + " (NVGRE is carried directly over IP protocol 47); grant it, e.g."
                    + " `setcap cap_net_raw+ep $(readlink -f $(which java))`, or use GRE-in-UDP instead ("
                    + cause + ")";
        }
        if (errno == LibC.EAFNOSUPPORT || errno == LibC.EPROTONOSUPPORT) {
            return "raw IP socket unsupported: " + call + " (" + cause + ")";
        }
        return "raw IP socket failed: " + call + " (" + cause + ")";
    }

    private void bind(InetAddress local) throws IOException {
        byte[] sockaddr = sockaddr(local);
        if (LibC.bind(fd, sockaddr, sockaddr.length) < 0) {
            String cause = cause(LibC.errno());
            throw new IOException("bind raw socket to " + local.getHostAddress() + " failed (" + cause + ")");
        }
    }

    /** Builds a {@code sockaddr_in} / {@code sockaddr_in6} (port 0: raw sockets have none); for {@link #sendTo}. */
    public static byte[] sockaddr(InetAddress address) {
        byte[] ip = address.getAddress();
        if (address instanceof Inet4Address) {
            byte[] sa = new byte[16];
            sa[0] = (byte) LibC.AF_INET; // sa_family_t, host byte order (little-endian on the supported CPUs)
            System.arraycopy(ip, 0, sa, 4, 4);
            return sa;
        }
        byte[] sa = new byte[28];
        sa[0] = (byte) LibC.AF_INET6;
        System.arraycopy(ip, 0, sa, 8, 16);
        int scope = ((Inet6Address) address).getScopeId();
        sa[24] = (byte) scope;
        sa[25] = (byte) (scope >>> 8);
        sa[26] = (byte) (scope >>> 16);
        sa[27] = (byte) (scope >>> 24);
        return sa;
    }

    /**
     * Asks for SO_RCVBUF and SO_SNDBUF of {@code bytes} each (the kernel doubles and caps them); returns this.
     *
     * @throws IOException if the kernel refuses the option
     */
    public RawIpSocket buffers(int bytes) throws IOException {
        for (int option : new int[] {LibC.SO_RCVBUF, LibC.SO_SNDBUF}) {
            if (LibC.setsockopt(fd, LibC.SOL_SOCKET, option, new int[] {bytes}, Integer.BYTES) < 0) {
                throw new IOException("setsockopt(SOL_SOCKET, " + option + ", " + bytes + ") on raw socket failed ("
                        + cause(LibC.errno()) + ")");
            }
        }
        return this;
    }

    /**
     * Sends the first {@code length} bytes of {@code packet} as the payload of one IP packet to {@code sockaddr} (from
     * {@link #sockaddr}) with {@code sendto(2)}, on the calling thread; for tools that drive the socket without a
     * channel. Returns the bytes sent.
     *
     * @throws IOException carrying the errno when the call fails (EAGAIN on a full non-blocking socket)
     */
    public int sendTo(byte[] packet, int length, byte[] sockaddr) throws IOException {
        long sent = LibC.sendto(fd, packet, length, 0, sockaddr, sockaddr.length);
        if (sent < 0) {
            throw failure("sendto");
        }
        return (int) sent;
    }

    /**
     * Receives one packet into {@code buf} with {@code recvfrom(2)} (blocking unless opened non-blocking), on the
     * calling thread; for tools that read the socket without a channel. Returns its length (an IPv4 socket delivers
     * the IPv4 header in front of the payload).
     *
     * @throws IOException carrying the errno when the call fails (EBADF once the socket is closed)
     */
    public int receive(byte[] buf) throws IOException {
        long received = LibC.recvfrom(fd, buf, buf.length, 0, null, null); // the sender's address is not asked for
        if (received < 0) {
            throw failure("recvfrom");
        }
        return (int) received;
    }

    /** The errno of the call that just failed on this thread, in a message. */
    private static IOException failure(String call) {
        return new IOException(call + " on raw socket failed (" + cause(LibC.errno()) + ")");
    }

    /** "errno N: reason". */
    private static String cause(int errno) {
        return "errno " + errno + ": " + LibC.strerror(errno);
    }

    /** The file descriptor; ownership stays with this object until handed to a channel. */
    public int fd() {
        return fd;
    }

    /** Whether this is an AF_INET6 socket (which delivers packets without the IPv6 header). */
    public boolean isIpv6() {
        return ipv6;
    }

    /** The IP protocol number this socket sends and receives. */
    public int protocol() {
        return protocol;
    }

    /** Closes the descriptor unless already closed (or handed over to a channel that closed it). */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            // EBADF when a channel already closed it: nothing left to release
            LibC.close(fd);
        }
    }
}
