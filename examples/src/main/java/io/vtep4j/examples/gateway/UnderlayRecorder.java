package io.vtep4j.examples.gateway;

import io.vtep4j.encap.Encapsulation;
import java.net.Inet6Address;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.pcap4j.core.BpfProgram.BpfCompileMode;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapDumper;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface.PromiscuousMode;

/**
 * {@code --pcap-out FILE}: records the underlay packets the gateway sends and receives into a pcap file for
 * Wireshark / tshark, by capturing on the interface that holds {@code --local} with a BPF filter for the tunnel
 * (UDP to or from the tunnel port, or IP protocol 47 for NVGRE) and the local address.
 *
 * <p>One daemon thread reads and writes; {@link #close()} stops it and flushes the file. Needs the same privilege
 * as the trunk. Thread-safe.
 */
final class UnderlayRecorder implements AutoCloseable {
    private static final int SNAP_LENGTH = 65535;
    private static final int READ_TIMEOUT_MILLIS = 100;

    private final PcapHandle handle;
    private final PcapDumper dumper;
    private final Thread thread;
    private final AtomicBoolean open = new AtomicBoolean(true);
    private final AtomicLong packets = new AtomicLong();

    private UnderlayRecorder(PcapHandle handle, PcapDumper dumper, String interfaceName) {
        this.handle = handle;
        this.dumper = dumper;
        this.thread = new Thread(this::loop, "vtep4j-pcap-out-" + interfaceName);
        this.thread.setDaemon(true);
    }

    /** Opens the capture and the file and starts recording; problems become {@link ConfigException}s. */
    static UnderlayRecorder start(GatewayConfig config) {
        String ifname = interfaceOf(config);
        String host = (config.local instanceof Inet6Address ? "ip6 host " : "host ") + config.local.getHostAddress();
        String filter = config.encapsulation == Encapsulation.NVGRE
                ? host + " and proto 47"
                : host + " and udp port " + config.dstPort;
        PcapHandle handle = null;
        try {
            handle = new PcapHandle.Builder(ifname)
                    .snaplen(SNAP_LENGTH)
                    .promiscuousMode(PromiscuousMode.NONPROMISCUOUS)
                    .timeoutMillis(READ_TIMEOUT_MILLIS)
                    .immediateMode(true)
                    .build();
            handle.setFilter(filter, BpfCompileMode.OPTIMIZE);
            PcapDumper dumper = handle.dumpOpen(config.pcapOut.toString());
            UnderlayRecorder recorder = new UnderlayRecorder(handle, dumper, ifname);
            recorder.thread.start();
            return recorder;
        } catch (PcapNativeException | NotOpenException | RuntimeException e) {
            if (handle != null) {
                handle.close();
            }
            throw new ConfigException(
                    "--pcap-out " + config.pcapOut + ": cannot record on " + ifname + " (" + e.getMessage() + ")", e);
        }
    }

    private static String interfaceOf(GatewayConfig config) {
        String name = InterfaceIndex.holding(config.local);
        if (name == null) {
            throw new ConfigException("--local " + config.local.getHostAddress() + " is not an address of this host");
        }
        return name;
    }

    private void loop() {
        while (open.get()) {
            try {
                byte[] packet = handle.getNextRawPacket(); // null on read timeout or after breakLoop()
                if (packet != null && open.get()) {
                    dumper.dumpRaw(packet, handle.getTimestamp());
                    packets.incrementAndGet();
                }
            } catch (NotOpenException e) {
                return;
            }
        }
    }

    /** Packets written so far. */
    long packets() {
        return packets.get();
    }

    /**
     * Stops the recording thread (wakes it with {@code pcap_breakloop}, waits a bounded time), flushes and closes the
     * file and the capture. If the thread does not stop, the handle is left open rather than freed under it: the
     * process is ending anyway, and closing would block on pcap4j's handle lock. Idempotent.
     */
    @Override
    public void close() {
        if (!open.compareAndSet(true, false)) {
            return;
        }
        try {
            handle.breakLoop(); // libpcap wakes a reader blocked in poll()
        } catch (NotOpenException alreadyClosed) {
            return;
        }
        try {
            thread.join(READ_TIMEOUT_MILLIS * 20L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            return;
        }
        try {
            dumper.flush();
        } catch (PcapNativeException | NotOpenException e) {
            // closing anyway: the file keeps what was flushed before
        } finally {
            dumper.close();
            handle.close();
        }
    }
}
