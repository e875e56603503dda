package io.vtep4j.examples.pcap;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import io.vtep4j.learning.MacAddress;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;

/** Prints packet summaries as text lines or JSON lines. Not thread-safe; one per output stream. */
abstract class SummaryWriter {
    final PrintWriter out;

    private SummaryWriter(PrintWriter out) {
        this.out = out;
    }

    /** JSON lines: one object per packet (verdict, reason, encapsulation, VNI, FlowID, inner and outer headers). */
    static SummaryWriter json(PrintWriter out) {
        return new Json(out);
    }

    /** Human-readable lines. */
    static SummaryWriter text(PrintWriter out) {
        return new Text(out);
    }

    /** Prints one packet. */
    abstract void write(PacketSummary s);

    /** Flushes buffered output. */
    void flush() {
        out.flush();
    }

    /** The EtherType in "0x0800" form. */
    static String etherType(int type) {
        return String.format("0x%04x", type);
    }

    private static final class Json extends SummaryWriter {
        private final JsonGenerator generator;

        Json(PrintWriter out) {
            super(out);
            try {
                this.generator = new JsonFactory().createGenerator(out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            generator.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            generator.setPrettyPrinter(new MinimalPrettyPrinter(""));
        }

        @Override
        void write(PacketSummary s) {
            try {
                JsonGenerator g = generator;
                g.writeStartObject();
                g.writeNumberField("n", s.n());
                g.writeStringField("encap", s.encap());
                number(g, "vni", s.vni());
                number(g, "flow_id", s.flowId());
                g.writeStringField("inner_src", s.innerSrc() == null ? null : MacAddress.toString(s.innerSrc()));
                g.writeStringField("inner_dst", s.innerDst() == null ? null : MacAddress.toString(s.innerDst()));
                g.writeStringField("inner_type", s.innerType() == null ? null : etherType(s.innerType()));
                number(g, "vlan", s.vlan());
                g.writeStringField("verdict", s.verdict().label());
                g.writeStringField("reason", s.reason());
                g.writeStringField("outer_src", s.outerSrc());
                g.writeStringField("outer_dst", s.outerDst());
                number(g, "outer_src_port", s.outerSrcPort());
                number(g, "outer_dst_port", s.outerDstPort());
                g.writeEndObject();
                g.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            out.println();
        }

        private static void number(JsonGenerator g, String name, Integer value) throws IOException {
            if (value == null) {
                g.writeNullField(name);
            } else {
                g.writeNumberField(name, value);
            }
        }
    }

    private static final class Text extends SummaryWriter {
        Text(PrintWriter out) {
            super(out);
        }

        @Override
        void write(PacketSummary s) {
            StringBuilder line = new StringBuilder();
            line.append(String.format("%5d  ", s.n()));
            if (s.outerSrc() != null) {
                line.append(endpoint(s.outerSrc(), s.outerSrcPort()))
                        .append(" > ")
                        .append(endpoint(s.outerDst(), s.outerDstPort()))
                        .append("  ");
            }
            if (s.encap() != null) {
                line.append(s.encap());
                if (s.vni() != null && "vxlan".equals(s.encap())) {
                    line.append(" vni ").append(s.vni());
                } else if (s.vni() != null) {
                    line.append(" vsid ").append(s.vni()).append(String.format(" (0x%06x)", s.vni()));
                }
                if (s.flowId() != null) {
                    line.append(String.format(" flow 0x%02x", s.flowId()));
                }
                line.append("  ");
            }
            if (s.innerSrc() != null) {
                line.append(MacAddress.toString(s.innerSrc())).append(" > ").append(MacAddress.toString(s.innerDst()));
                if (s.vlan() != null) {
                    line.append(" vlan ").append(s.vlan());
                }
                if (s.innerType() != null) {
                    line.append(" type ").append(etherType(s.innerType()));
                }
                line.append("  ");
            }
            line.append(s.verdict().label());
            if (s.reason() != null) {
                line.append(' ').append(s.reason());
            }
            out.println(line);
        }

        private static String endpoint(String address, Integer port) {
            if (port == null) {
                return address;
            }
            return address.indexOf(':') >= 0 ? "[" + address + "]:" + port : address + ":" + port;
        }
    }
}
