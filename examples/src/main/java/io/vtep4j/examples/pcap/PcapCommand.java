package io.vtep4j.examples.pcap;

import io.vtep4j.encap.VxlanHeader;
import io.vtep4j.examples.HelpOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vtep4j pcap FILE [--json] [--vxlan-port N]...}: one line per packet of a pcap or pcapng capture, decoded
 * with vtep4j's own codecs. Exit 0 when the whole file was read, 2 with one line on stderr when it cannot be read,
 * is not a capture, has an unsupported link type or is damaged part-way. Runs on the calling thread.
 */
@Command(
        name = "pcap",
        description = {
            "Decode the VXLAN / NVGRE / GRE-in-UDP traffic of a pcap or pcapng file: outer addresses, "
                    + "encapsulation, VNI or VSID + FlowID, inner MACs, inner EtherType and VLAN, and the verdict "
                    + "(ok, drop with the reason vtep4j would count, or not-tunnel).",
            "'encap' names the decoder chosen by UDP destination port (4789 and --vxlan-port: vxlan; 4754: gre-udp; "
                    + "4790: vxlan, refused as GPE) or IP protocol 47 (nvgre); GRE that is not NVGRE shows as nvgre "
                    + "with verdict drop and its reason, e.g. gre-protocol-not-teb."
        },
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {
            "0:the whole capture was read",
            "2:unreadable file, not a capture, unsupported link type, " + "damaged capture, or bad arguments"
        })
public final class PcapCommand implements Callable<Integer> {
    @CommandLine.Mixin
    HelpOptions help = new HelpOptions();

    /** Exit code for a capture that cannot be read (also picocli's usage-error code). */
    public static final int EXIT_UNREADABLE = 2;

    @Parameters(index = "0", paramLabel = "FILE", description = "pcap or pcapng capture to read")
    Path file;

    @Option(
            names = "--json",
            description =
                    "one JSON object per line (keys n, encap, vni, flow_id, inner_src, "
                            + "inner_dst, inner_type, vlan, verdict, reason, outer_src, outer_dst, outer_src_port, outer_dst_port)")
    boolean json;

    @Option(
            names = "--vxlan-port",
            paramLabel = "N",
            description =
                    "another UDP port that carries VXLAN " + "(4789 always does); repeatable, e.g. --vxlan-port 8472")
    List<Integer> vxlanPorts = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Set<Integer> ports = new LinkedHashSet<>();
        ports.add(VxlanHeader.DEFAULT_PORT);
        for (int port : vxlanPorts) {
            if (port < 1 || port > 0xFFFF) {
                err.println("vtep4j pcap: --vxlan-port " + port + " (expected: 1..65535)");
                err.flush();
                return EXIT_UNREADABLE;
            }
            ports.add(port);
        }
        // pcap4j logs through SLF4J; keep its informational chatter off the tool's output.
        System.setProperty("org.slf4j.simpleLogger.log.org.pcap4j", "warn");
        TunnelDissector dissector = new TunnelDissector(ports);
        SummaryWriter writer = json ? SummaryWriter.json(out) : SummaryWriter.text(out);
        try (CaptureReader reader = CaptureReader.open(file)) {
            int n = 0;
            for (byte[] packet; (packet = reader.next()) != null; ) {
                writer.write(dissector.dissect(++n, packet, reader.originalLength(), reader.linkType()));
            }
            writer.flush();
            return 0;
        } catch (CaptureException e) {
            writer.flush();
            err.println("vtep4j pcap: " + e.getMessage());
            err.flush();
            return EXIT_UNREADABLE;
        }
    }
}
