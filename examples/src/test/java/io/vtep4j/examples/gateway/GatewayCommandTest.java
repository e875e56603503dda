package io.vtep4j.examples.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.examples.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Every bad configuration ends in exit code 2 with one line on stderr naming the problem, before anything starts.
 * In-process through picocli, as {@code vtep4j gateway ...} runs; no root needed (they all fail before the trunk).
 */
class GatewayCommandTest {
    /** A valid base: loopback exists in every namespace, and 127.0.0.1 is always ours. */
    private static final List<String> BASE = List.of("--local", "127.0.0.1", "--port", "lo");

    private record Outcome(int exit, String out, String err) {}

    private static Outcome run(List<String> args) {
        return execute(Main.commandLine(new GatewayCommand()), args);
    }

    /** Through the top command, as {@code java -jar vtep4j.jar gateway ...} parses it. */
    private static Outcome runAsVtep4j(List<String> args) {
        return execute(Main.commandLine(new Main()), args);
    }

    private static Outcome execute(CommandLine cli, List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args.toArray(String[]::new));
        return new Outcome(exit, out.toString(), err.toString());
    }

    private static List<String> base(String... more) {
        List<String> args = new ArrayList<>(BASE);
        args.addAll(List.of(more));
        return args;
    }

    static Stream<Arguments> badConfigurations() {
        return Stream.of(
                Arguments.of(
                        List.of("--local", "127.0.0.1", "--port", "nosuch0", "--vlan", "100:10100"),
                        "--port nosuch0: no such interface"),
                Arguments.of(base("--vlan", "4095:10100"), "VLAN 4095 is outside 1..4094"),
                Arguments.of(
                        base("--vlan", "100:10100", "--flood", "10100=bogus:10.99.0.2"),
                        "--flood 10100=bogus:10.99.0.2: 'bogus:10.99.0.2' is not an IPv4 or IPv6 address"),
                Arguments.of(
                        base("--vlan", "100:10100", "--flood", "10100=vxlan:10.99.0.2,nvgre:10.99.0.2"),
                        "--flood 10100=vxlan:10.99.0.2,nvgre:10.99.0.2: an address is listed twice"),
                Arguments.of(
                        base("--vlan", "100:3000", "--flood", "3000=10.99.0.2,nvgre:10.99.0.3"),
                        "VSID 3000 is reserved for NVGRE"),
                Arguments.of(base("--vlan", "0:10100"), "VLAN 0 is outside 1..4094"),
                Arguments.of(base("--vlan", "100:16777216"), "VNI 16777216 is outside 0..16777215"),
                Arguments.of(base("--untagged", "-1"), "VNI -1 is outside 0..16777215"),
                bad("--vlan", "100:10200", "VLAN 100 is mapped twice (to VNI 10100 and VNI 10200)"),
                bad("--vlan", "200:10100", "VNI 10100 is mapped twice (VLAN 100 and VLAN 200)"),
                bad("--untagged", "10100", "VNI 10100 is mapped twice (VLAN 100 and untagged)"),
                Arguments.of(base("--vlan", "100"), "--vlan 100: expected VID:VNI, e.g. 100:10100"),
                Arguments.of(base(), "nothing to bridge"),
                Arguments.of(List.of("--port", "lo", "--vlan", "100:10100"), "missing --local ADDR"),
                Arguments.of(List.of("--local", "127.0.0.1", "--vlan", "100:10100"), "missing --port IFACE"),
                Arguments.of(
                        List.of("--local", "192.0.2.77", "--port", "lo", "--vlan", "100:10100"),
                        "--local 192.0.2.77 is not an address of this host"),
                Arguments.of(
                        List.of("--local", "vtep.example", "--port", "lo", "--vlan", "100:10100"),
                        "--local: 'vtep.example' is not an IPv4 or IPv6 address"),
                bad("--flood", "10200=127.0.0.2", "--flood names VNI 10200, which no --vlan or --untagged maps"),
                bad("--flood", "10100=239.1.1.1", "is not a unicast address (use --group for multicast)"),
                Arguments.of(
                        base("--vlan", "100:10100", "--group", "10100=127.0.0.9", "--group-dev", "lo"),
                        "--group 10100=127.0.0.9: not a multicast address"),
                bad("--group", "10100=239.1.1.1", "--group needs --group-dev"),
                Arguments.of(
                        base("--vlan", "100:10100", "--group", "10100=239.1.1.1", "--group-dev", "nosuch1"),
                        "--group-dev nosuch1: no such interface"),
                Arguments.of(base("--vlan", "100:100", "--encap", "nvgre"), "VSID 100 is reserved for NVGRE"),
                Arguments.of(base("--vlan", "100:16777215", "--encap", "gre-udp"), "VSID 16777215 is reserved"),
                bad("--encap", "geneve", "--encap geneve: expected vxlan, nvgre"),
                Arguments.of(
                        base("--vlan", "100:10100", "--encap", "nvgre", "--dst-port", "4789"),
                        "--dst-port has no meaning with --encap nvgre"),
                bad("--dst-port", "70000", "--dst-port 70000 is outside 1..65535"),
                bad("--ageing", "0", "--ageing 0: expected more than 0 seconds"),
                bad("--stats-interval", "soon", "--stats-interval soon: expected a duration"),
                bad("--max-macs", "0", "--max-macs 0 is outside 1..16777216"),
                bad(
                        "--flood",
                        "10100=127.0.0.2,127.0.0.1",
                        "--flood 10100=127.0.0.1: that is --local, this gateway's own address"),
                bad("--flood-limit", "-1", "--flood-limit -1: expected 0 (off) or 1..1000000000 packets per second"),
                bad("--flood-limit", "many", "--flood-limit many: expected a number"),
                bad("--pmtu-signalling", "yes", "--pmtu-signalling yes: expected on or off"),
                bad("--tos", "64", "--tos 64 is outside 0..63 (a DSCP, or inherit)"),
                bad("--tos", "ef", "--tos ef: expected a whole number in 0..63"),
                bad("--ttl", "0", "--ttl 0 is outside 1..255 (or inherit)"),
                bad("--ttl", "inherits", "--ttl inherits: expected a whole number in 1..255"),
                bad("--df", "maybe", "--df maybe: expected set, unset or inherit"),
                bad("--src-port-range", "49152", "--src-port-range 49152: expected MIN-MAX, e.g. 49152-65535, or off"),
                bad("--src-port-range", "60000-50000", "--src-port-range 60000-50000: MIN 60000 is above MAX 50000"),
                bad("--src-port-range", "0-100", "--src-port-range 0 is outside 1..65535 (MIN)"),
                bad("--src-port-range", "1-65536", "--src-port-range 65536 is outside 1..65535 (MAX)"),
                bad("--src-port-range", "a-b", "--src-port-range a: expected a whole number in 1..65535"),
                bad("--busy-poll", "10001", "--busy-poll 10001 is outside 0..10000 (microseconds, 0 turns it off)"),
                bad("--busy-poll", "-1", "--busy-poll -1 is outside 0..10000"),
                bad("--underlay-io", "dpdk", "--underlay-io dpdk: expected socket, xdp or xdp-receive"),
                bad("--underlay-io", "xdp_receive", "--underlay-io xdp_receive: expected socket, xdp or xdp-receive"),
                bad("--xdp-mode", "offload", "--xdp-mode offload: expected auto, native or generic"),
                bad(
                        "--xdp-mode",
                        "generic",
                        "--xdp-mode generic: no XDP program to attach (expected with --trunk-io xdp, "
                                + "--underlay-io xdp|xdp-receive, --decap-offload or --encap-offload)"),
                bad("--evpn-asn", "65000", "--evpn-asn and --evpn-learn-underlay need --evpn HOST:PORT"),
                bad("--evpn", "127.0.0.1", "--evpn 127.0.0.1: expected HOST:PORT"),
                badAsn("0"),
                badAsn("4294967296"),
                badAsn("-1"),
                badAsn("65000.5"),
                badAsn("99999999999999999999"),
                badAsn("as65000"),
                Arguments.of(
                        base("--vlan", "100:10100", "--evpn", "127.0.0.1:50051", "--encap", "gre-udp"),
                        "--evpn needs --encap vxlan"));
    }

    /** Every option's bad values: each must end in exit 2 naming the option, the value and the rule. */
    static Stream<Arguments> badValues() {
        return Stream.of(
                bad("--stats-interval", "2600000h", "--stats-interval 2600000h: expected 0 (off) or 100ms..24h"),
                bad("--stats-interval", "PT2600000H", "--stats-interval PT2600000H: expected 0 (off) or 100ms..24h"),
                bad("--stats-interval", "50ms", "--stats-interval 50ms: expected 0 (off) or 100ms..24h"),
                bad("--stats-interval", "-1s", "--stats-interval -1s: expected a duration"),
                bad("--stats-interval", "PT9999999999999999999H", "expected a duration"),
                bad("--fdb-interval", "2600000h", "--fdb-interval 2600000h: expected 0 (off) or 100ms..24h"),
                bad("--fdb-interval", "PT-5S", "--fdb-interval PT-5S: expected 0 (off) or 100ms..24h"),
                bad("--fdb-interval", "often", "--fdb-interval often: expected a duration"),
                bad("--ageing", "11d", "--ageing 11d: expected at most 10 days (864000 s), the forwarding table's"),
                bad("--ageing", "864001", "--ageing 864001: expected at most 10 days"),
                bad("--ageing", "2600000h", "--ageing 2600000h: expected at most 10 days"),
                bad("--ageing", "PT-1S", "--ageing PT-1S: expected more than 0 seconds"),
                bad("--ageing", "forever", "--ageing forever: expected a duration"),
                bad("--max-macs", "99999999999", "--max-macs 99999999999 is outside 1..16777216"),
                bad("--max-macs", "-5", "--max-macs -5 is outside 1..16777216"),
                bad("--max-macs", "many", "--max-macs many: expected a whole number in 1..16777216"),
                bad("--max-macs-per-vni", "0", "--max-macs-per-vni 0 is outside 1..1048576 (at most --max-macs)"),
                bad("--max-macs-per-vni", "x", "--max-macs-per-vni x: expected a whole number"),
                bad("--dst-port", "0", "--dst-port 0 is outside 1..65535"),
                bad("--dst-port", "http", "--dst-port http: expected a whole number in 1..65535"),
                bad("--metrics-port", "0", "--metrics-port 0 is outside 1..65535"),
                bad("--metrics-port", "65536", "--metrics-port 65536 is outside 1..65535"),
                bad("--metrics-port", "prom", "--metrics-port prom: expected a whole number in 1..65535"),
                bad("--untagged", "blue", "--untagged blue: expected a number"),
                bad("--untagged", "99999999999", "--untagged 99999999999: expected a number in"),
                bad("--encap", "vxlan-gpe", "--encap vxlan-gpe: expected vxlan, nvgre or gre-udp"),
                bad("--flood", "10100=", "--flood 10100=: expected VNI=ADDR"),
                bad("--flood", "10100=127.0.0.2,", "--flood 10100=127.0.0.2,: '' is not an IPv4 or IPv6 address"),
                bad("--flood", "10100=127.0.0.2,127.0.0.2", "an address is listed twice"),
                bad("--flood", "10100=300.1.1.1", "'300.1.1.1' is not an IPv4 or IPv6 address"),
                bad(
                        "--flood",
                        "10100=127.0.0.1",
                        "--flood 10100=127.0.0.1: that is --local, this gateway's own address"),
                bad("--group", "10100=239.1.1.1x", "'239.1.1.1x' is not an IPv4 or IPv6 address"),
                bad("--pcap-out", "/nonexistent-dir/u.pcap", "--pcap-out /nonexistent-dir/u.pcap: /nonexistent-dir"),
                Arguments.of(
                        base("--vlan", "100:10100", "--max-macs", "1000", "--max-macs-per-vni", "2000"),
                        "--max-macs-per-vni 2000 is outside 1..1000 (at most --max-macs)"),
                bad("--metrics-address", "127.0.0.1", "--metrics-address 127.0.0.1 needs --metrics-port N"),
                badMetricsAddress("127.0.0.300", "--metrics-address: '127.0.0.300' is not an IPv4 or IPv6 address"),
                badMetricsAddress("localhost", "--metrics-address: 'localhost' is not an IPv4 or IPv6 address"),
                badMetricsAddress("192.0.2.1", "--metrics-address 192.0.2.1 is not an address of this host"),
                badMetricsAddress("239.1.1.1", "--metrics-address 239.1.1.1: expected a unicast or wildcard address"),
                Arguments.of(
                        List.of("--local", "300.0.0.1", "--port", "lo", "--vlan", "100:10100"),
                        "--local: '300.0.0.1' is not an IPv4 or IPv6 address"),
                Arguments.of(
                        base(
                                "--vlan",
                                "100:10100",
                                "--group-dev",
                                "lo",
                                "--group",
                                "10100=239.1.1.1",
                                "--group",
                                "10100=239.1.1.2"),
                        "--group names VNI 10100 twice"));
    }

    /** {@code BASE --vlan 100:10100 OPTION VALUE} must fail naming {@code expected}. */
    private static Arguments bad(String option, String value, String expected) {
        return Arguments.of(base("--vlan", "100:10100", option, value), expected);
    }

    /** {@code --evpn-asn VALUE} with {@code --evpn}: must fail naming the value and the four-octet range. */
    private static Arguments badAsn(String value) {
        return Arguments.of(
                base("--vlan", "100:10100", "--evpn", "127.0.0.1:50051", "--evpn-asn", value),
                "--evpn-asn " + value + ": expected a whole number in 1..4294967295");
    }

    @Test
    void evpnAsnTakesTwoAndFourOctetAsNumbers() {
        for (long asn : new long[] {1, 65000, 65536, 4_200_000_000L, 4_294_967_295L}) {
            GatewayCommand command = new GatewayCommand();
            new CommandLine(command)
                    .parseArgs(
                            base("--vlan", "100:10100", "--evpn", "127.0.0.1:50051", "--evpn-asn", Long.toString(asn))
                                    .toArray(String[]::new));
            assertEquals(asn, command.options.toConfig().evpn.asn());
        }
    }

    @Test
    void underlayIoIsSocketsUnlessXdpIsAskedFor() {
        GatewayCommand command = new GatewayCommand();
        new CommandLine(command).parseArgs(base("--vlan", "100:10100").toArray(String[]::new));
        assertEquals(io.vtep4j.UnderlayIo.SOCKET, command.options.toConfig().underlayIo);
        command = new GatewayCommand();
        new CommandLine(command)
                .parseArgs(base("--vlan", "100:10100", "--underlay-io", "xdp").toArray(String[]::new));
        assertEquals(io.vtep4j.UnderlayIo.XDP, command.options.toConfig().underlayIo);
        assertTrue(run(List.of("--help")).out().contains("--underlay-io=socket|xdp|xdp-receive"));
    }

    @Test
    void xdpModeIsAutoUnlessAskedForAndGoesWithEitherXdpPath() {
        GatewayCommand command = new GatewayCommand();
        new CommandLine(command).parseArgs(base("--vlan", "100:10100").toArray(String[]::new));
        assertEquals(io.vtep4j.XdpMode.AUTO, command.options.toConfig().xdpMode);
        for (List<String> path : List.of(List.of("--trunk-io", "xdp"), List.of("--underlay-io", "xdp-receive"))) {
            command = new GatewayCommand();
            List<String> args = new java.util.ArrayList<>(base("--vlan", "100:10100", "--xdp-mode", "Native"));
            args.addAll(path);
            new CommandLine(command).parseArgs(args.toArray(String[]::new));
            assertEquals(io.vtep4j.XdpMode.NATIVE, command.options.toConfig().xdpMode, path::toString);
        }
        assertTrue(run(List.of("--help")).out().contains("--xdp-mode=auto|native|generic"));
    }

    @Test
    void xdpReceiveTakesUdpGso() {
        GatewayCommand command = new GatewayCommand();
        new CommandLine(command)
                .parseArgs(base("--vlan", "100:10100", "--underlay-io", "XDP-Receive", "--udp-gso")
                        .toArray(String[]::new));
        GatewayConfig config = command.options.toConfig();
        assertEquals(io.vtep4j.UnderlayIo.XDP_RECEIVE, config.underlayIo);
        assertTrue(config.outerSend.udpGso(), config.outerSend::toString);
    }

    @Test
    void busyWaitIsOffUnlessAskedForAndTakesMicroseconds() {
        GatewayCommand command = new GatewayCommand();
        new CommandLine(command).parseArgs(base("--vlan", "100:10100").toArray(String[]::new));
        assertEquals(java.time.Duration.ZERO, command.options.toConfig().busyWait);
        command = new GatewayCommand();
        new CommandLine(command)
                .parseArgs(base("--vlan", "100:10100", "--busy-wait", "1000").toArray(String[]::new));
        assertEquals(java.time.Duration.ofMillis(1), command.options.toConfig().busyWait);
        assertTrue(run(List.of("--help")).out().contains("--busy-wait"));
        Outcome bad = run(base("--vlan", "100:10100", "--busy-wait", "10000001"));
        assertTrue(
                bad.err().contains("--busy-wait 10000001 is outside 0..10000000 (microseconds, 0 turns it off)"),
                bad.err());
    }

    @Test
    void udpGroIsOffUnlessAskedFor() {
        assertSwitchOffUnlessGiven("--udp-gro", c -> c.udpGro);
    }

    /** A boolean switch: false without it, true with it, and listed in the help. */
    private static void assertSwitchOffUnlessGiven(String flag, java.util.function.Predicate<GatewayConfig> read) {
        GatewayCommand command = new GatewayCommand();
        new CommandLine(command).parseArgs(base("--vlan", "100:10100").toArray(String[]::new));
        assertEquals(false, read.test(command.options.toConfig()), flag + " without the flag");
        command = new GatewayCommand();
        new CommandLine(command).parseArgs(base("--vlan", "100:10100", flag).toArray(String[]::new));
        assertEquals(true, read.test(command.options.toConfig()), flag + " with the flag");
        assertTrue(run(List.of("--help")).out().contains(flag), flag + " in --help");
    }

    /** {@code BASE --vlan 100:10100 --metrics-port 9464 --metrics-address ADDRESS} must fail naming {@code expected}. */
    private static Arguments badMetricsAddress(String address, String expected) {
        return Arguments.of(
                base("--vlan", "100:10100", "--metrics-port", "9464", "--metrics-address", address), expected);
    }

    @ParameterizedTest
    @MethodSource("badValues")
    void everyBadValueExitsWithCodeTwoAtParseTime(List<String> args, String expected) {
        badConfigurationExitsWithCodeTwoAndOneClearLine(args, expected);
    }

    /** {@code --decap-offload} beside what it cannot work with (a flag: not in the config-file pairs above). */
    static Stream<Arguments> badOffloadConfigurations() {
        return Stream.of(
                Arguments.of(
                        base("--vlan", "100:10100", "--decap-offload", "--udp-gro"),
                        "--decap-offload excludes --udp-gro (the program sees coalesced"),
                Arguments.of(
                        base("--vlan", "100:10100", "--decap-offload", "--underlay-io", "xdp-receive"),
                        "--decap-offload excludes --underlay-io xdp-receive (its own XDP program holds the underlay"),
                Arguments.of(
                        base("--untagged", "10100", "--decap-offload"),
                        "--decap-offload needs a --vlan VID:VNI (the program sends tagged frames; the --untagged VNI"),
                Arguments.of(
                        base("--vlan", "100:10100", "--encap", "gre-udp", "--decap-offload"),
                        "--decap-offload needs --encap vxlan and VXLAN flood targets only"),
                Arguments.of(
                        base(
                                "--vlan",
                                "100:10100",
                                "--decap-offload",
                                "--pcap-out",
                                System.getProperty("java.io.tmpdir") + "/vtep4j-never-written.pcap"),
                        "--decap-offload excludes --pcap-out (frames decapsulated in the kernel never reach"),
                Arguments.of(
                        base("--vlan", "100:10100", "--encap-offload", "--trunk-io", "xdp"),
                        "--encap-offload excludes --trunk-io xdp (its own XDP program holds the trunk interface)"),
                Arguments.of(
                        base("--vlan", "100:10100", "--encap-offload", "--ttl", "32"),
                        "--encap-offload needs the default outer header: --tos 0, --ttl 64, --df set"),
                Arguments.of(
                        base("--vlan", "100:10100", "--encap-offload", "--tos", "inherit"),
                        "--encap-offload needs the default outer header"),
                Arguments.of(
                        base("--vlan", "100:10100", "--encap-offload", "--src-port-range", "49152-65535"),
                        "--encap-offload excludes --src-port-range"),
                Arguments.of(base("--untagged", "10100", "--encap-offload"), "--encap-offload needs a --vlan VID:VNI"),
                Arguments.of(
                        base("--vlan", "100:10100", "--encap", "nvgre", "--encap-offload"),
                        "--encap-offload needs --encap vxlan"));
    }

    @ParameterizedTest
    @MethodSource("badOffloadConfigurations")
    void decapOffloadBesideWhatItCannotWorkWithExitsWithCodeTwo(List<String> args, String expected) {
        badConfigurationExitsWithCodeTwoAndOneClearLine(args, expected);
    }

    @Test
    void gsoWithASourcePortRangeExitsWithCodeTwo() {
        badConfigurationExitsWithCodeTwoAndOneClearLine(
                base("--vlan", "100:10100", "--src-port-range", "49152-65535", "--udp-gso"),
                "--udp-gso cannot be combined with --src-port-range");
    }

    /** The same values from a {@code --config} file: its keys go through the same checks. */
    @ParameterizedTest
    @MethodSource({"badValues", "badConfigurations"})
    void everyBadValueInAConfigFileExitsWithCodeTwo(List<String> args, String expected, @TempDir Path dir)
            throws IOException {
        StringBuilder file = new StringBuilder("# written by the test\n");
        for (int i = 0; i < args.size(); i += 2) {
            file.append(args.get(i).substring(2))
                    .append(' ')
                    .append(args.get(i + 1))
                    .append('\n');
        }
        Path conf = dir.resolve("gateway.conf");
        Files.writeString(conf, file);

        badConfigurationExitsWithCodeTwoAndOneClearLine(List.of("--config", conf.toString()), expected);
    }

    @Test
    void helpStatesTheRealDefaultsAndTheLimits() {
        Outcome help = run(List.of("--help"));

        assertEquals(0, help.exit(), help::toString);
        String text = help.out().replaceAll("\\s+", " ");
        assertTrue(
                text.contains("--max-macs=N Most MACs the forwarding table holds, 1..16777216 (default: 1048576)"),
                text);
        assertTrue(text.contains("--max-macs-per-vni=N"), text);
        assertTrue(text.contains("--metrics-port=N") && text.contains("--metrics-address=ADDR"), text);
        assertTrue(text.contains("at most 10 days"), text);
        assertTrue(text.contains("--flood-limit=PPS") && text.contains("(default: 1000; 0 turns it off)"), text);
    }

    @ParameterizedTest
    @MethodSource("badConfigurations")
    void badConfigurationExitsWithCodeTwoAndOneClearLine(List<String> args, String expected) {
        Outcome outcome = run(args);

        assertEquals(GatewayCommand.EXIT_CONFIG, outcome.exit(), outcome::toString);
        assertTrue(outcome.err().contains(expected), () -> "expected '" + expected + "' in: " + outcome.err());
        assertEquals(1, outcome.err().lines().count(), () -> "one line only: " + outcome.err());
        assertTrue(outcome.err().startsWith("vtep4j gateway: "), outcome::toString);
        assertEquals("", outcome.out(), "nothing started, nothing printed on stdout");
    }

    @Test
    void configFileSettingsApplyAndTheCommandLineWins(@TempDir Path dir) throws IOException {
        Path conf = dir.resolve("gateway.conf");
        Files.writeString(
                conf,
                String.join(
                        "\n",
                        "# a gateway",
                        "local 127.0.0.1",
                        "port = lo",
                        "vlan 100:10100",
                        "vlan 200:10100   # VNI mapped twice: only the file says so",
                        ""));

        Outcome fromFile = run(List.of("--config", conf.toString()));
        assertEquals(GatewayCommand.EXIT_CONFIG, fromFile.exit(), fromFile::toString);
        assertTrue(fromFile.err().contains("VNI 10100 is mapped twice (VLAN 100 and VLAN 200)"), fromFile::toString);

        Files.writeString(conf, "local 127.0.0.1\nport lo\nvlan 100:10100\n");
        Outcome overridden = runAsVtep4j(List.of("gateway", "--config", conf.toString(), "--port", "nosuch2"));
        assertEquals(GatewayCommand.EXIT_CONFIG, overridden.exit(), overridden::toString);
        assertTrue(overridden.err().contains("--port nosuch2: no such interface"), overridden::toString);
    }

    /** Config-file lines that are wrong as lines: each names the file and the key. */
    @ParameterizedTest
    @MethodSource("badConfigLines")
    void badConfigFileLinesExitWithCodeTwo(String line, String expected, @TempDir Path dir) throws IOException {
        Path conf = dir.resolve("gateway.conf");
        Files.writeString(conf, "local 127.0.0.1\nport lo\nvlan 100:10100\n" + line + "\n");

        badConfigurationExitsWithCodeTwoAndOneClearLine(List.of("--config", conf.toString()), expected);
    }

    static Stream<Arguments> badConfigLines() {
        return Stream.of(
                Arguments.of("colour blue", "Unknown option"),
                Arguments.of("ageing", "Missing required parameter for option '--ageing'"),
                Arguments.of("max-macs = 0", "--max-macs 0 is outside 1..16777216"),
                Arguments.of("stats-interval = 2600000h", "--stats-interval 2600000h: expected 0 (off) or 100ms..24h"),
                Arguments.of("config other.conf", "a config file cannot include another"));
    }

    @Test
    void unreadableConfigFileIsAConfigurationError(@TempDir Path dir) {
        Outcome outcome = run(List.of("--config", dir.resolve("absent.conf").toString()));

        assertEquals(GatewayCommand.EXIT_CONFIG, outcome.exit(), outcome::toString);
        assertTrue(outcome.err().contains("absent.conf: cannot read it"), outcome::toString);
        assertEquals(1, outcome.err().lines().count(), outcome::toString);
    }

    @Test
    void unknownOptionIsAUsageErrorWithExitCodeTwo() {
        Outcome outcome = run(base("--vlan", "100:10100", "--colour", "blue"));

        assertEquals(2, outcome.exit(), outcome::toString);
        assertTrue(outcome.err().contains("Unknown option") && outcome.err().contains("--colour"), outcome::toString);
    }
}
