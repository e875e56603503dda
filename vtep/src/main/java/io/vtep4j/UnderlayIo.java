package io.vtep4j;

/**
 * How the UDP underlay moves packets between the VTEP and the network ({@link Vtep.Builder#underlayIo}).
 *
 * @see Vtep#underlayIo()
 */
public enum UnderlayIo {
    /** Kernel UDP sockets (with direct datagram I/O where it runs): the default, everywhere. */
    SOCKET,
    /**
     * An {@code AF_XDP} socket in copy mode on the interface holding the IPv4 local address, beside the kernel UDP
     * socket (which keeps the port, and carries what AF_XDP cannot). Linux only, with CAP_NET_ADMIN and CAP_BPF (or
     * root); VXLAN or GRE-in-UDP over IPv4, one encapsulation.
     */
    XDP
}
