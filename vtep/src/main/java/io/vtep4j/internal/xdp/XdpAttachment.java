package io.vtep4j.internal.xdp;

import io.vtep4j.internal.libc.LibC;
import java.io.IOException;
import java.util.function.IntFunction;

/**
 * The kernel side of an XDP trunk or UDP underlay: an {@code XSKMAP}, the program that redirects frames to the socket
 * of their queue ({@link BpfProgram#redirectAllToSockets}, {@link BpfProgram#redirectUdpToSockets}), and the BPF link that attaches it to the interface: native
 * (driver) mode if the interface has it, else generic (skb) mode. The link lives exactly as long as its descriptor,
 * so a process that dies leaves no program behind; {@link #close} detaches at once.
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
     * Attaches the program to {@code ifindex}: native mode, or generic mode where the driver refuses native XDP.
     *
     * @throws IOException with both modes' reasons when neither attaches
     */
    void attach(int ifindex) throws IOException {
        try {
            linkFd = Bpf.attachXdp(progFd, ifindex, Bpf.XDP_FLAGS_DRV_MODE);
            mode = "native";
        } catch (IOException nativeMode) {
            try {
                linkFd = Bpf.attachXdp(progFd, ifindex, Bpf.XDP_FLAGS_SKB_MODE);
                mode = "generic";
            } catch (IOException generic) {
                throw new IOException(
                        "native mode: " + nativeMode.getMessage() + "; generic mode: " + generic.getMessage(), generic);
            }
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
}
