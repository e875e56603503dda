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
    XDP,
    /**
     * Receive as {@link #XDP} (the same XDP program takes the VTEP's UDP off the interface before the kernel's IP and
     * UDP layers, into an {@code AF_XDP} socket), but send everything through the kernel UDP socket, so that
     * {@link Vtep.Builder#udpGso} applies: a run of datagrams to one peer leaves as one message and one socket buffer
     * instead of one transmit descriptor per frame. Same requirements and fallbacks as {@link #XDP}; UDP GRO is still
     * refused (the AF_XDP socket takes the datagrams before the kernel's UDP layer could coalesce them).
     */
    XDP_RECEIVE
}
