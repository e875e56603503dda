package io.vtep4j.examples.pcap;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses tcpdump's reference decode ({@code .out}) of VXLAN captures into per-packet facts: outer addresses and
 * ports, VNI, and (where tcpdump printed them) inner MACs and EtherType.
 */
final class TcpdumpReference {
    /** A packet block starts with its number and a timestamp: "    1  2013-05-18 20:21:44.837063 ...". */
    private static final Pattern BLOCK = Pattern.compile("^\\s*(\\d+)\\s+\\d{4}-\\d{2}-\\d{2} ");

    private static final Pattern VXLAN = Pattern.compile(
            "(\\d+\\.\\d+\\.\\d+\\.\\d+)\\.(\\d+) > (\\d+\\.\\d+\\.\\d+\\.\\d+)\\.(\\d+): VXLAN, flags \\[I\\] "
                    + "\\(0x08\\), vni (\\d+)");
    private static final String MAC = "([0-9a-f]{2}(?::[0-9a-f]{2}){5})";
    private static final Pattern INNER_ETHERNET =
            Pattern.compile("^" + MAC + " > " + MAC + ", ethertype \\S+ \\((0x[0-9a-f]{4})\\)");

    /** One VXLAN packet as tcpdump decoded it. */
    static final class Packet {
        int n;
        String outerSrc;
        int outerSrcPort;
        String outerDst;
        int outerDstPort;
        int vni;
        String innerSrc;
        String innerDst;
        String innerType;
    }

    private TcpdumpReference() {}

    /** The numbers of the packet blocks whose text contains {@code marker}. */
    static List<Integer> packetsContaining(Path out, String marker) throws IOException {
        List<Integer> numbers = new ArrayList<>();
        int current = -1;
        for (String line : Files.readAllLines(out)) {
            Matcher block = BLOCK.matcher(line);
            if (block.find()) {
                current = Integer.parseInt(block.group(1));
            }
            if (line.contains(marker) && (numbers.isEmpty() || numbers.get(numbers.size() - 1) != current)) {
                numbers.add(current);
            }
        }
        return numbers;
    }

    /** Every VXLAN packet of a tcpdump {@code .out} file, in order. */
    static List<Packet> vxlan(Path out) throws IOException {
        List<Packet> packets = new ArrayList<>();
        Packet current = null;
        boolean afterVxlan = false;
        int n = -1;
        for (String line : Files.readAllLines(out)) {
            Matcher block = BLOCK.matcher(line);
            if (block.find()) {
                n = Integer.parseInt(block.group(1));
                afterVxlan = false;
            }
            Matcher vxlan = VXLAN.matcher(line);
            if (vxlan.find()) {
                current = new Packet();
                current.n = n;
                current.outerSrc = vxlan.group(1);
                current.outerSrcPort = Integer.parseInt(vxlan.group(2));
                current.outerDst = vxlan.group(3);
                current.outerDstPort = Integer.parseInt(vxlan.group(4));
                current.vni = Integer.parseInt(vxlan.group(5));
                packets.add(current);
                afterVxlan = true;
                continue;
            }
            if (afterVxlan && current != null && current.innerType == null) {
                Matcher inner = INNER_ETHERNET.matcher(line);
                if (inner.find()) {
                    current.innerSrc = inner.group(1);
                    current.innerDst = inner.group(2);
                    current.innerType = inner.group(3);
                } else if (line.startsWith("IP (") || line.startsWith("IP ")) {
                    current.innerType = "0x0800"; // tcpdump without -e names the inner network layer only
                } else if (line.startsWith("IP6 ")) {
                    current.innerType = "0x86dd";
                }
            }
        }
        return packets;
    }
}
