package io.vtep4j.internal.xdp;

import io.vtep4j.XdpMode;
import io.vtep4j.internal.libc.LibC;
import io.vtep4j.internal.netlink.LinkKind;
import java.io.IOException;
import java.util.function.IntFunction;

/**
 * The kernel side of an XDP trunk or UDP underlay: an {@code XSKMAP}, the program that redirects frames to the socket
 * of their queue ({@link BpfProgram#redirectAllToSockets}, {@link BpfProgram#redirectUdpToSockets}), and the BPF link
 * that attaches it to the interface in native (driver) or generic (skb) mode ({@link XdpMode}). The link lives
 * exactly as long as its descriptor, so a process that dies leaves no program behind; {@link #close} detaches at
 * once.
 *
 * <p>Not thread-safe: opened and closed by one thread.
 */
final class XdpAttachment implements AutoCloseable {
    private int mapFd;
    private int progFd;
    private int linkFd = -1;
    private String mode = "none";

    private XdpAttachment(int mapFd, int progFd) {
        this.mapFd = mapFd;
        this.progFd = progFd;
    }

    /** Creates the map (one slot per queue) and loads the trunk program; nothing is attached yet. */
    static XdpAttachment load(int queues) throws IOException {
        return load(queues, BpfProgram::redirectAllToSockets);
    }

    /** Creates the map (one slot per queue) and loads {@code program} built for its fd; nothing is attached yet. */
    static XdpAttachment load(int queues, IntFunction<BpfProgram> program) throws IOException {
        int map = Bpf.createXskMap(queues);
        try {
            return new XdpAttachment(map, Bpf.loadXdp(program.apply(map)));
        } catch (IOException | RuntimeException e) {
            LibC.close(map);
            throw e;
        }
    }

    /** Puts the bound socket {@code xskFd} in the map for {@code queue}. */
    void steer(int queue, int xskFd) throws IOException {
        Bpf.updateElement(mapFd, queue, xskFd);
    }

    /**
     * Attaches the program to {@code ifindex} as {@code mode} asks: {@link XdpMode#NATIVE} or {@link XdpMode#GENERIC}
     * alone; {@link XdpMode#AUTO} generic on a veth ({@code kind}, from {@link LinkKind#of}), else native, or generic
     * where the driver refuses native XDP.
     *
     * @throws IOException naming the mode and the kernel's reason (both modes' where both were tried)
     */
    void attach(int ifindex, XdpMode mode, String kind) throws IOException {
        Link link = link(progFd, ifindex, mode, kind);
        linkFd = link.fd();
        this.mode = link.mode();
    }

    /** A BPF link's descriptor and the mode it attached in ("native" or "generic"). */
    record Link(int fd, String mode) {}

    /**
     * Attaches program {@code progFd} to {@code ifindex} as {@code mode} asks (see {@link #attach}); the caller
     * closes the link's descriptor to detach.
     */
    static Link link(int progFd, int ifindex, XdpMode mode, String kind) throws IOException {
        if (mode == XdpMode.GENERIC || (mode == XdpMode.AUTO && "veth".equals(kind))) {
            return linkIn(progFd, ifindex, Bpf.XDP_FLAGS_SKB_MODE, "generic");
        }
        try {
            return linkIn(progFd, ifindex, Bpf.XDP_FLAGS_DRV_MODE, "native");
        } catch (IOException nativeMode) {
            if (mode == XdpMode.NATIVE) {
                throw nativeMode;
            }
            try {
                return linkIn(progFd, ifindex, Bpf.XDP_FLAGS_SKB_MODE, "generic");
            } catch (IOException generic) {
                throw new IOException(nativeMode.getMessage() + "; " + generic.getMessage(), generic);
            }
        }
    }

    private static Link linkIn(int progFd, int ifindex, int flags, String name) throws IOException {
        try {
            return new Link(Bpf.attachXdp(progFd, ifindex, flags), name);
        } catch (IOException e) {
            throw new IOException(name + " mode: " + e.getMessage(), e);
        }
    }

    /** "native" or "generic" once attached, else "none". */
    String mode() {
        return mode;
    }

    /** Detaches (closing the link), then frees the program and the map. Idempotent. */
    @Override
    public void close() {
        if (linkFd >= 0) {
            LibC.close(linkFd);
            linkFd = -1;
            mode = "none";
        }
        if (progFd >= 0) {
            LibC.close(progFd);
            progFd = -1;
        }
        if (mapFd >= 0) {
            LibC.close(mapFd);
            mapFd = -1;
        }
    }

    /**
     * Puts program {@code fresh} on link {@code linkFd} in the place of the one there, in one step, where the link is
     * attached (a negative descriptor or a detached link: nothing to do). On failure frees {@code fresh} and throws.
     */
    static void replaceOn(int linkFd, int fresh) throws IOException {
        try {
            if (linkFd >= 0 && Bpf.linkIfindex(linkFd) > 0) {
                Bpf.updateLink(linkFd, fresh);
            }
        } catch (IOException e) {
            LibC.close(fresh);
            throw e;
        }
    }
}
