#!/usr/bin/env bash
# VLAN <-> VXLAN gateway benchmark: vtep4j's gateway (AF_PACKET, AF_XDP or pcap trunk) side by side with the kernel.
#
#   forward: generator --VLAN 100 on the trunk--> device under test --VXLAN VNI 10100 on the underlay--> far end
#   reverse: far end --VXLAN VNI 10100--> device under test --VLAN 100 on the trunk--> generator
#
# (a) kernel:   a vxlan device (VNI 10100) plus two tc programs (bench/system/vlan_tc.c, compiled here with clang)
#               that pop the tag of VLAN 100 and redirect to the vxlan device, and push it on the way back; this
#               kernel has neither 802.1Q sub-interfaces nor a VLAN-filtering bridge
# (b) afpacket: vtep4j gateway --trunk-io afpacket (TPACKET_V3 ring, one event loop)
# (b') afpacket-bw: the same with --busy-wait 1000: its event loop keeps polling for 1 ms after its last work
#               instead of sleeping, so under traffic it holds CPU 1 and is never woken; only with --devices
#               ...,afpacket-bw
# (b'') afpacket-bp: the default path with --busy-poll 50 on the underlay's UDP socket, and both of its veths
#               receiving in a NAPI thread on CPU 1 instead of in softirq: GRO on (a veth has a NAPI context, hence
#               NAPI ids, only with GRO or XDP), threaded NAPI pinned to CPU 1, no RPS. The scheduler shares CPU 1
#               between those threads and the gateway, where softirq would preempt it; the underlay veth also defers
#               its interrupts (as xdp-native's, --defer-irqs), so that the gateway's reads poll it while they find
#               the socket empty. What the gateway cannot take waits in the veth's 256-frame ring or is refused
#               there, before any receive work is spent on it. Only with --devices ...,afpacket-bp
# (b''') afpacket-nice: the default path with the gateway's JVM started under `nice -n -10` (every thread, as
#               Open vSwitch's ovs-ctl starts ovs-vswitchd), so that it weighs more than ksoftirqd/1 when both want
#               CPU 1. Only with --devices ...,afpacket-nice
# (b'''') afpacket-offload: the default path with --decap-offload --encap-offload: frames between MACs the gateway has
#               learned are encapsulated by its XDP program on the trunk veth and decapsulated by the one on the
#               underlay veth (generic mode on a veth), and redirected without reaching the JVM. Forward, the frames'
#               destination is unknown unless --known-dst teaches it, and a flood stays with the gateway: without
#               --known-dst this device is the default path forward. Without --udp-gro (the gateway refuses it with
#               --decap-offload). Only with --devices ...,afpacket-offload
# (b''''') afpacket-xrx: the default path with --underlay-io xdp-receive: the AF_PACKET trunk as afpacket, the
#               underlay receiving through an AF_XDP socket (copy mode; generic XDP on a veth, as xdp-all) and sending
#               through the kernel UDP socket with GSO. What the reverse direction gains when its receive skips the
#               kernel's IP and UDP layers and the socket queue. Only with --devices ...,afpacket-xrx
# (c) pcap:     vtep4j gateway --trunk-io pcap (libpcap on its own thread)
# (d) xdp:      vtep4j gateway --trunk-io xdp (AF_XDP copy mode, its own XDP program; only with --devices ...,xdp)
# (e) xdp-all:  vtep4j gateway all on AF_XDP: --trunk-io xdp --underlay-io xdp (no --udp-gso: the AF_XDP underlay
#               sends one packet per frame); only with --devices ...,xdp-all. Like xdp and xdp-rx it runs with the
#               default --xdp-mode auto, which attaches the XDP programs in generic mode on a veth: the veths receive
#               through the per-CPU backlog (RPS to CPU 1) as for the kernel and afpacket, and the programs run there.
# (e') xdp-native: xdp-all with --xdp-mode native --busy-poll 50: the programs in the veth driver, whose NAPI
#               then takes the frames (256 per receive queue) in a thread pinned to CPU 1, with its interrupts deferred
#               (napi_defer_hard_irqs 2, gro_flush_timeout 1 ms; --defer-irqs off leaves them as they are). A veth
#               gives an AF_XDP socket no NAPI id on this kernel, so the busy polling itself does nothing here; the
#               deferred interrupts make the NAPI thread take frames in batches. Only with --devices ...,xdp-native.
# (f) xdp-rx:   vtep4j gateway with an AF_XDP trunk and an underlay that receives through AF_XDP but sends through
#               the kernel UDP socket: --trunk-io xdp --underlay-io xdp-receive --udp-gso (always, --gso off or not:
#               runs to the far end leave as GSO messages); only with --devices ...,xdp-rx.
# The destination MAC is unknown to every device: each sends it to its one flood target (--flood-limit 0). With
# --known-dst the far end first sends each device 1,000 packets (1 s) from that MAC, before each forward warm-up, so
# that every device has learned it at the far end and forwards the frames as known unicast.
# The generator (vxgen.c) runs on CPU 0, the device under test on CPU 1 (taskset; RPS for the kernel's receive
# work). The vtep4j devices run with --udp-gso unless --gso off. Each case starts with 2 s of warm-up traffic.
# With --gro on the vtep4j devices also run with --udp-gro (xdp-all, xdp-native and xdp-rx excepted: their AF_XDP underlay reads
# frames, not sockets), and the underlay veth of every device, the kernel's included, gets GRO (ethtool -K DEV gro
# on, inside the device's namespace), so that every device sees the same coalesced receive. --flows N sends the reverse
# direction as N flows (N inner source MACs and N outer UDP source ports, one packet of each in turn): GRO
# coalesces only packets of one flow, so 1 flow shows its best case and many flows its cost. The forward direction
# goes over the same number of flows (N source MACs and UDP source ports behind the tag). --queues Q gives the device
# under test's veths Q receive queues and the generator's and far end's veths Q transmit queues, and the generator
# then sends through the queueing layer (VXGEN_QDISC=1), which picks each frame's queue by its flow hash, as RSS does
# on a NIC; the trunk's tagged frames, which that hash leaves on one queue, get their hash from a tc program on the
# generator's veth (queue_tc.c: flow i on queue i mod Q). Only with --flows above 1 do the frames spread. A veth in NAPI mode (XDP, GRO) holds 256 frames per receive
# queue, so Q queues hold Q times as many while the NAPI threads wait for CPU 1; the other devices receive through the
# per-CPU backlog, which has no queues.
# Delivered packets are read from the receiving end's interface counters. During each trial and warm-up every vtep4j
# gateway but the one measured is paused (SIGSTOP), so that idle JVMs take no CPU from it. CPU 1's busy time is read
# from /proc/stat around each trial (trials.csv: cpu1_ticks); the table gives it per frame for the trial that set
# each loss-free rate. When the generator cannot outrun a device (the kernel reference on a quiet machine), that
# time per frame is all the run says about how much more the device could take.
#
# Usage (root): bench/system/gateway.sh [--quick] [--curve [RATES]] [--out DIR] [--record]
#                                       [--devices kernel,afpacket,afpacket-bw,afpacket-bp,afpacket-nice,
#                                                  afpacket-offload,afpacket-xrx,pcap,xdp,
#                                                  xdp-all,xdp-native,xdp-rx]
#                                       [--gateway-args "ARGS"] [--gso on|off] [--defer-irqs on|off]
#                                       [--gro on|off] [--flows N] [--queues Q] [--counts] [--known-dst]
#                                       [--sizes LIST]
#   --quick    1 s trials, 1 saturation trial + 5 search steps per case (under 3 minutes with the jar built)
#   default    3 s trials, 3 saturation trials + 7 search steps per case; a search trial that loses is repeated
#              once at the same rate, and the step fails only if the repeat loses too (one noisy trial at the
#              search's first rate would otherwise cap the result below it)
#              In both modes a saturation trial without loss is a floor for the loss-free rate; where a faster
#              one lost (the generator's pace varies), the search goes on between the two, else it is not needed.
#   --out DIR  where the table (summary.md), raw trials (trials.csv) and logs go; default
#              bench/results/<UTC date-time>-gateway-<mode>/ (git-ignored). No tracked file changes unless --record.
#   --record   also replace the "## Gateway throughput" block of bench/RESULTS.md with this run's table
#   --curve    instead of the search: the overload curve, 64 B both directions, one trial per offered rate
#              (RATES: comma-separated pps, 0 = as fast as the generator can; default 50000,100000,200000,400000,0),
#              delivered rate per device side by side; with --record it replaces the "gateway.sh curve" block
#   --gateway-args "ARGS"  extra gateway flags for the vtep4j devices (e.g. "--busy-poll 50"); with "--underlay-io xdp"
#                          (or xdp-receive) the devices' underlay veths get a threaded NAPI on CPU 1, as the xdp
#                          device's trunk does
#   --gso on|off           the vtep4j devices with --udp-gso (default on)
#   --defer-irqs on|off    xdp-native's and afpacket-bp's veths defer their interrupts (default on)
#   --gro on|off           the vtep4j devices with --udp-gro, every device's underlay veth with GRO (default off)
#   --flows N              both directions' packets over N flows, 1..16384 (default 1)
#   --queues Q             receive queues of the device under test's veths, 1..16 (default 1)
#   --counts               also count, over each trial, what CPU 1 did (perf stat -C 1: system calls, recvmmsg,
#                          sendmmsg, sendto, context switches, softirq runs) and the IPIs each CPU took (CAL in
#                          /proc/interrupts), into counts.csv beside trials.csv; needs perf (Debian: linux-perf)
#   --known-dst            the forward frames' destination is taught to every device first (see below): known
#                          unicast to the far end instead of a flood to it
#   --sizes LIST           the tagged frame sizes measured, comma-separated, 64..1400 bytes (default 64,1400; the
#                          VXLAN packets of the reverse direction carry the same frame untagged); the RESULT line
#                          reads 64 B, so it says n/a without it
# Environment: VTEP4J_JAVA_OPTS, extra JVM options for the vtep4j gateways (a JIT log, a profiler agent).
# Prints one line: RESULT gw_fwd_ratio=<afpacket/kernel, 64 B forward> gw_rev_ratio=<same, reverse>, by loss-free
# rate (<= 0.1 % loss). Installs gcc, clang, libbpf-dev, ethtool, iproute2 when missing (the benchmark's kernel
# reference only: the library never uses them). Builds examples/target/vtep4j.jar with Maven when it is missing.
#
# Safety: all traffic stays inside namespaces created here (198.18.0.0/15, RFC 2544's benchmarking range), none with
# a default route; routes are checked before sending; names are unique per run; everything is torn down on
# EXIT/INT/TERM; every loop and wait is bounded.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=bench/system/common.sh
. "$HERE/common.sh"  # ROOT, PY, usage, nsx, mac_of, counter
QUICK=0; DEVICES="kernel,afpacket,pcap"; RECORD=0; OUT=""; CURVE=""; GW_ARGS=""; GSO=on; DEFER=on; GRO=off; FLOWS=1; QUEUES=1; COUNTS=0; KNOWN_DST=0
SIZES="64 1400"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --counts) COUNTS=1 ;;
    --known-dst) KNOWN_DST=1 ;;
    --devices) DEVICES="$2"; shift ;;
    --out) OUT="$2"; shift ;;
    --record) RECORD=1 ;;
    --curve) CURVE="50000,100000,200000,400000,0"
      if [ $# -gt 1 ] && [[ "$2" =~ ^[0-9,]+$ ]]; then CURVE="$2"; shift; fi ;;
    --gateway-args) GW_ARGS="$2"; shift ;;
    --gso) GSO="$2"; shift
      case "$GSO" in on|off) ;; *) echo "--gso $GSO (expected: on or off)" >&2; exit 2 ;; esac ;;
    --defer-irqs) DEFER="$2"; shift
      case "$DEFER" in on|off) ;; *) echo "--defer-irqs $DEFER (expected: on or off)" >&2; exit 2 ;; esac ;;
    --gro) GRO="$2"; shift
      case "$GRO" in on|off) ;; *) echo "--gro $GRO (expected: on or off)" >&2; exit 2 ;; esac ;;
    --flows) FLOWS="$2"; shift
      { [[ "$FLOWS" =~ ^[0-9]+$ ]] && [ "$FLOWS" -ge 1 ] && [ "$FLOWS" -le 16384 ]; } \
        || { echo "--flows $FLOWS (expected: 1..16384)" >&2; exit 2; } ;;
    --queues) QUEUES="$2"; shift
      { [[ "$QUEUES" =~ ^[0-9]+$ ]] && [ "$QUEUES" -ge 1 ] && [ "$QUEUES" -le 16 ]; } \
        || { echo "--queues $QUEUES (expected: 1..16)" >&2; exit 2; } ;;
    --sizes) SIZES="${2//,/ }"; shift
      for size in $SIZES; do { [[ "$size" =~ ^[0-9]+$ ]] && [ "$size" -ge 64 ] && [ "$size" -le 1400 ]; } \
        || { echo "--sizes: $size (expected: comma-separated frame sizes, 64..1400 bytes)" >&2; exit 2; }; done
      [ -n "$SIZES" ] || { echo "--sizes: empty (expected: comma-separated frame sizes, 64..1400 bytes)" >&2; exit 2; } ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1 (expected: --quick, --curve [RATES], --devices LIST, --out DIR, --record, --gateway-args ARGS, --gso on|off, --defer-irqs on|off, --gro on|off, --flows N, --queues Q, --counts, --known-dst, --sizes LIST)" >&2; exit 2 ;;
  esac
  shift
done
for dev in ${DEVICES//,/ }; do
  case "$dev" in kernel|afpacket|afpacket-bw|afpacket-bp|afpacket-nice|afpacket-offload|afpacket-xrx|pcap|xdp|xdp-all|xdp-native|xdp-rx) ;; *) echo "--devices: $dev (expected: kernel, afpacket, afpacket-bw, afpacket-bp, afpacket-nice, afpacket-offload, afpacket-xrx, pcap, xdp, xdp-all, xdp-native, xdp-rx)" >&2; exit 2 ;; esac
done
[ "$(id -u)" -eq 0 ] || { echo "gateway.sh: needs root (network namespaces, AF_PACKET, tc)" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "gateway.sh: needs 2 CPUs (generator on CPU 0, device on CPU 1)" >&2; exit 1; }
mode=$([ "$QUICK" = 1 ] && echo quick || echo full)$([ -n "$CURVE" ] && echo -curve || true)
[ -n "$OUT" ] || OUT="$ROOT/bench/results/$(date -u +%Y%m%d-%H%M%S)-gateway-$mode"
mkdir -p "$OUT" && OUT="$(cd "$OUT" && pwd)" || { echo "--out $OUT: cannot create the folder" >&2; exit 2; }
if [ "$QUICK" = 1 ]; then DURATION=1; SAT_REPS=1; SEARCH_STEPS=5; LIMIT=170; CONFIRM=0
else DURATION=3; SAT_REPS=3; SEARCH_STEPS=7; LIMIT=3000; CONFIRM=1; fi
WARMUP=2   # seconds of traffic per case before it is measured: the JIT compiles the path, the MAC is learned
[ "$GSO" = on ] && GW_ARGS="--udp-gso${GW_ARGS:+ $GW_ARGS}"
[ "$GRO" = on ] && GW_ARGS="--udp-gro${GW_ARGS:+ $GW_ARGS}"
LOSS_LIMIT=0.001
# several queues: the generator lets the kernel pick each frame's queue by its flow hash (vxgen.c)
if [ "$QUEUES" -gt 1 ]; then export VXGEN_QDISC=1; fi

need=()
command -v gcc >/dev/null || need+=(gcc libc6-dev)
command -v clang >/dev/null || need+=(clang)
[ -f /usr/include/bpf/bpf_helpers.h ] || need+=(libbpf-dev)
command -v ethtool >/dev/null || need+=(ethtool)
command -v tc >/dev/null || need+=(iproute2)
[ "$COUNTS" = 0 ] || command -v perf >/dev/null || need+=(linux-perf)
if [ ${#need[@]} -gt 0 ]; then
  echo "gateway.sh: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 apt-get update -qq; timeout 900 apt-get install -y -qq "${need[@]}" >/dev/null
fi
[ "$COUNTS" = 0 ] || command -v perf >/dev/null || { echo "gateway.sh: --counts needs perf (Debian: linux-perf)" >&2; exit 1; }
JAR="$ROOT/examples/target/vtep4j.jar"
if [ ! -f "$JAR" ]; then
  echo "gateway.sh: building $JAR"; (cd "$ROOT" && timeout 900 mvn -B -q -o -pl examples -am package -DskipTests)
fi

RID=$(printf '%04x' $(( ($$ + RANDOM) % 65536 )))
NS_G="gb${RID}gen"; NS_F="gb${RID}far"
WORK=$(mktemp -d "/tmp/vtep4j-gwbench-${RID}.XXXX")
RAW="$WORK/trials.csv"
CREATED_NS=(); PIDS=()
declare -A NS_D TRUNK GTRUNK UL FUL NID DMAC STATUS PID DEV_ARGS DEV_IO
for dev in ${DEVICES//,/ }; do   # each vtep4j device's trunk I/O and flags
  case $dev in
    # no --udp-gso / --udp-gro: the AF_XDP underlay sends one packet per frame and reads frames, and with either
    # the gateway falls back to sockets; its own --underlay-io, --busy-poll and --xdp-mode replace any in
    # --gateway-args (the gateway takes each flag once)
    xdp-all|xdp-native) DEV_IO[$dev]=xdp; DEV_ARGS[$dev]="$(echo " $GW_ARGS " \
      | sed -E 's/ --udp-gso / /; s/ --udp-gro / /; s/ --underlay-io [a-z-]+ / /; s/ --busy-poll [0-9]+ / /; s/ --xdp-mode [a-z]+ / /') --underlay-io xdp"
      [ "$dev" = xdp-all ] || DEV_ARGS[$dev]+=" --xdp-mode native --busy-poll 50" ;;
    # xdp-rx: AF_XDP receive, sends through the kernel UDP socket with GSO; GRO still makes the gateway fall back
    xdp-rx) DEV_IO[$dev]=xdp; DEV_ARGS[$dev]="$(echo " $GW_ARGS " \
      | sed -E 's/ --udp-gso / /; s/ --udp-gro / /; s/ --underlay-io [a-z-]+ / /') --underlay-io xdp-receive --udp-gso" ;;
    afpacket-bw) DEV_IO[$dev]=afpacket; DEV_ARGS[$dev]="$(echo " $GW_ARGS " | sed -E 's/ --busy-wait [0-9]+ / /') --busy-wait 1000" ;;
    afpacket-bp) DEV_IO[$dev]=afpacket; DEV_ARGS[$dev]="$(echo " $GW_ARGS " | sed -E 's/ --busy-poll [0-9]+ / /') --busy-poll 50" ;;
    afpacket-nice) DEV_IO[$dev]=afpacket; DEV_ARGS[$dev]="$GW_ARGS" ;;
    afpacket-offload) DEV_IO[$dev]=afpacket; DEV_ARGS[$dev]="$(echo " $GW_ARGS " | sed -E 's/ --udp-gro / /') --decap-offload --encap-offload" ;;
    # afpacket-xrx: as xdp-rx, GRO would make the gateway fall back to the socket's receive
    afpacket-xrx) DEV_IO[$dev]=afpacket; DEV_ARGS[$dev]="$(echo " $GW_ARGS " \
      | sed -E 's/ --udp-gso / /; s/ --udp-gro / /; s/ --underlay-io [a-z-]+ / /') --underlay-io xdp-receive --udp-gso" ;;
    *) DEV_IO[$dev]=$dev; DEV_ARGS[$dev]="$GW_ARGS" ;;
  esac
done
cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
  sleep 0.5
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  for ns in "${CREATED_NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
  for f in "$WORK"/*.log "$WORK"/trials.csv "$WORK"/counts.csv "$WORK"/summary.md; do [ -f "$f" ] && cp "$f" "$OUT/"; done
  echo "gateway.sh: cleaned up namespaces ${CREATED_NS[*]}" >&2
  CREATED_NS=(); PIDS=()
}
trap cleanup EXIT; trap 'exit 130' INT; trap 'exit 143' TERM
record() {  # record MARKER HEADING: replace the block between "<!-- MARKER begin/end -->" in RESULTS.md
  "$PY" - "$ROOT/bench/RESULTS.md" "$OUT/summary.md" "$1" "$2" <<'PYEOF'
import re, sys
path, section, marker, heading = sys.argv[1], open(sys.argv[2]).read().strip(), sys.argv[3], sys.argv[4]
text = open(path).read()
begin, end = f"<!-- {marker} begin -->", f"<!-- {marker} end -->"
block = f"{begin}\n{section}\n{end}"
if begin in text and end in text:
    text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda m: block, text, flags=re.S)
else:
    text = text.rstrip() + f"\n\n{heading}\n\n" + block + "\n"
open(path, "w").write(text)
PYEOF
  echo "gateway.sh: recorded in bench/RESULTS.md"
}
mkns() { ip netns add "$1"; CREATED_NS+=("$1"); nsx "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
  net.ipv6.conf.default.disable_ipv6=1; nsx "$1" ip link set lo up; }
ifindex() { nsx "$1" cat "/sys/class/net/$2/ifindex"; }
rps() { nsx "$1" sh -c "for q in /sys/class/net/$2/queues/rx-*; do echo $3 > \$q/rps_cpus; done"; }  # rps NS IFACE MASK
gro_on() { nsx "$1" ethtool -K "$2" gro on >/dev/null || { echo "gateway.sh: ethtool -K $2 gro on failed in $1" >&2; exit 1; }; }

gcc -O2 -Wall -o "$WORK/vxgen" "$HERE/vxgen.c"
if [ "$QUEUES" -gt 1 ]; then
  clang -O2 -g -target bpf -I"/usr/include/$(gcc -dumpmachine)" -DQUEUES="$QUEUES" -c "$HERE/queue_tc.c" -o "$WORK/queue_tc.o"
fi
mkns "$NS_G"; mkns "$NS_F"
n=0
for dev in ${DEVICES//,/ }; do
  n=$((n + 1)); NID[$dev]=$n; ns="gb${RID}d$n"; NS_D[$dev]=$ns; mkns "$ns"
  TRUNK[$dev]="t${RID}$n"; GTRUNK[$dev]="g${RID}$n"; UL[$dev]="u${RID}$n"; FUL[$dev]="f${RID}$n"
  q=(); [ "$QUEUES" -gt 1 ] && q=(numtxqueues "$QUEUES" numrxqueues "$QUEUES")   # a veth has nproc queues at most else
  ip link add name "${GTRUNK[$dev]}" netns "$NS_G" "${q[@]}" type veth peer name "${TRUNK[$dev]}" netns "$ns" "${q[@]}"
  ip link add name "${UL[$dev]}" netns "$ns" "${q[@]}" type veth peer name "${FUL[$dev]}" netns "$NS_F" "${q[@]}"
  for pair in "$NS_G ${GTRUNK[$dev]}" "$ns ${TRUNK[$dev]}" "$ns ${UL[$dev]}" "$NS_F ${FUL[$dev]}"; do
    set -- $pair; nsx "$1" ethtool -K "$2" tx off >/dev/null 2>&1 || true; nsx "$1" ip link set "$2" up
  done
  if [ "$QUEUES" -gt 1 ]; then   # every device alike: Q queues from the senders into the device
    for pair in "$NS_G ${GTRUNK[$dev]} tx" "$ns ${TRUNK[$dev]} rx" "$NS_F ${FUL[$dev]} tx" "$ns ${UL[$dev]} rx"; do
      set -- $pair; nsx "$1" ethtool -L "$2" "$3" "$QUEUES" \
        || { echo "gateway.sh: ethtool -L $2 $3 $QUEUES failed in $1" >&2; exit 1; }
    done
  fi
  if [ "$QUEUES" -gt 1 ]; then   # the trunk's flows over the queues (queue_tc.c); the underlay's spread by hash
    nsx "$NS_G" tc qdisc add dev "${GTRUNK[$dev]}" clsact
    nsx "$NS_G" tc filter add dev "${GTRUNK[$dev]}" egress bpf direct-action obj "$WORK/queue_tc.o" sec tc
  fi
  if [ "$GRO" = on ]; then   # every device's underlay veth alike, the kernel's included: a fair comparison
    gro_on "$ns" "${UL[$dev]}"
  fi
  nsx "$ns" ip addr add "198.19.$n.2/24" dev "${UL[$dev]}"
  nsx "$ns" ip neigh replace "198.19.$n.3" lladdr "$(mac_of "$NS_F" "${FUL[$dev]}")" nud permanent dev "${UL[$dev]}"
  # the device's receive work on CPU 1 (both directions), the generator's and far end's on CPU 0
  for i in "${TRUNK[$dev]}" "${UL[$dev]}"; do rps "$ns" "$i" 2; done
  rps "$NS_G" "${GTRUNK[$dev]}" 1; rps "$NS_F" "${FUL[$dev]}" 1
  if [ "$dev" = afpacket-bp ]; then   # both veths' NAPI threads (below) are the device's receive path, on CPU 1
    for i in "${TRUNK[$dev]}" "${UL[$dev]}"; do
      gro_on "$ns" "$i"
      rps "$ns" "$i" 0
    done
  fi
  DMAC[$dev]=$(mac_of "$ns" "${UL[$dev]}"); STATUS[$dev]=ok; PID[$dev]=""
done

for dev in ${DEVICES//,/ }; do   # safety, before any device runs: no default route
  # anywhere, the far end reached through our veth only
  for ns in "$NS_G" "$NS_F" "${NS_D[$dev]}"; do
    [ -z "$(nsx "$ns" ip route show default)" ] || { echo "SAFETY: $ns has a default route" >&2; exit 1; }
  done
  nsx "${NS_D[$dev]}" ip route get "198.19.${NID[$dev]}.3" | grep -q "dev ${UL[$dev]} " \
    || { echo "SAFETY: route to 198.19.${NID[$dev]}.3 does not use ${UL[$dev]}" >&2; exit 1; }
done

setup_kernel() {
  local ns=${NS_D[kernel]} n=${NID[kernel]}
  nsx "$ns" ip link add vx0 type vxlan id 10100 local "198.19.$n.2" remote "198.19.$n.3" dstport 4789 dev "${UL[kernel]}"
  nsx "$ns" ip link set vx0 up
  clang -O2 -g -target bpf -I"/usr/include/$(gcc -dumpmachine)" -DVID=100 -DTRUNK_IFINDEX="$(ifindex "$ns" "${TRUNK[kernel]}")" \
    -DVXLAN_IFINDEX="$(ifindex "$ns" vx0)" -c "$HERE/vlan_tc.c" -o "$WORK/vlan_tc.o"
  for pair in "${TRUNK[kernel]} trunk_in" "vx0 vxlan_in"; do
    set -- $pair
    nsx "$ns" tc qdisc add dev "$1" clsact
    nsx "$ns" tc filter add dev "$1" ingress bpf direct-action obj "$WORK/vlan_tc.o" sec tc program "$2" 2>/dev/null \
      || nsx "$ns" tc filter add dev "$1" ingress bpf direct-action obj "$WORK/vlan_tc.o" sec "$2"
  done
}
setup_gateway() {  # setup_gateway DEV IO
  local dev=$1 ns=${NS_D[$1]} n=${NID[$1]} log="$WORK/$1.log"
  # ip netns exec, taskset and nice exec: $! is the JVM itself, which SIGTERM stops gracefully (its summary)
  # VTEP4J_JAVA_OPTS (environment): extra JVM options for the vtep4j gateways, e.g. a JIT log or a profiler agent
  local nice=0; [ "$dev" = afpacket-nice ] && nice=-10
  ip netns exec "$ns" taskset -c 1 nice -n "$nice" java -Xms256m -Xmx256m -Dio.netty.leakDetection.level=disabled ${VTEP4J_JAVA_OPTS:-} \
    -jar "$JAR" gateway \
    --local "198.19.$n.2" --port "${TRUNK[$dev]}" --vlan 100:10100 --flood "10100=198.19.$n.3" --flood-limit 0 \
    --stats-interval 5s --trunk-io "$2" ${DEV_ARGS[$dev]} >"$log" 2>&1 &
  PID[$dev]=$!; PIDS+=("$!")
  for _ in $(seq 1 300); do grep -q "gateway: running" "$log" && break; kill -0 "${PID[$dev]}" 2>/dev/null || break; sleep 0.1; done
  { grep -q "gateway: running" "$log" && kill -0 "${PID[$dev]}" 2>/dev/null; } \
    || { STATUS[$dev]="n/a: $(head -c 300 "$log")"; return 0; }
  # an xdp gateway that fell back to AF_PACKET is not measured as xdp
  if grep -q "AF_XDP unavailable" "$log"; then STATUS[$dev]="n/a: $(grep -h -m1 "AF_XDP unavailable" "$log")"; fi
  # nor an AF_XDP underlay that fell back to kernel sockets (the library's log line says why)
  if grep -q "instead of AF_XDP" "$log"; then STATUS[$dev]="n/a: $(grep -h -m1 "instead of AF_XDP" "$log")"; fi
  return 0
}
for dev in ${DEVICES//,/ }; do
  case $dev in kernel) setup_kernel || STATUS[$dev]="n/a: setup failed" ;; *) setup_gateway "$dev" "${DEV_IO[$dev]}" ;; esac
  echo "gateway.sh: $dev: ${STATUS[$dev]}"
done
for dev in ${DEVICES//,/ }; do   # native-mode AF_XDP and afpacket-bp: the NAPI of their veths on CPU 1, interrupts
  [ "$dev" = kernel ] || [ "${STATUS[$dev]}" != ok ] && continue   # deferred where busy-polled
  busy=0; [[ " ${DEV_ARGS[$dev]} " =~ " --busy-poll "[1-9] ]] && [ "$DEFER" = on ] && busy=1
  native=0; [ "${DEV_IO[$dev]}" = xdp ] && [[ " ${DEV_ARGS[$dev]} " =~ " --xdp-mode native " ]] && native=1
  if [ "$native" = 1 ] || [ "$dev" = afpacket-bp ]; then   # an AF_PACKET trunk is never busy-polled
    napi_on_cpu1 "gateway.sh: $dev" "${NS_D[$dev]}" "${TRUNK[$dev]}"
    [ "$busy" = 0 ] || [ "$native" = 0 ] || defer_irqs "gateway.sh: $dev" "${NS_D[$dev]}" "${TRUNK[$dev]}"
  fi
  if { [ "$native" = 1 ] && [[ " ${DEV_ARGS[$dev]} " =~ " --underlay-io xdp"(-receive)?" " ]]; } || [ "$dev" = afpacket-bp ]; then
    napi_on_cpu1 "gateway.sh: $dev" "${NS_D[$dev]}" "${UL[$dev]}"; [ "$busy" = 0 ] || defer_irqs "gateway.sh: $dev" "${NS_D[$dev]}" "${UL[$dev]}"
  fi
done

pkts() {  # pkts DEV DIR SIZE -> file
  local f="$WORK/$1-$2-$3.bin" n=${NID[$1]}
  if [ ! -f "$f" ]; then
    if [ "$2" = fwd ]; then "$PY" "$HERE/mktagged.py" "$f" 100 "$3" "$FLOWS"
    else "$PY" "$HERE/mkpkts.py" "$f" "${DMAC[$1]}" "$(mac_of "$NS_F" "${FUL[$1]}")" "198.19.$n.3" "198.19.$n.2" \
      10100 $(($3 - 4)) "$FLOWS"; fi
  fi
  echo "$f"
}
teach() {  # teach DEV: with --known-dst, the far end sends 1,000 packets from the forward frames' destination MAC
  [ "$KNOWN_DST" = 1 ] || return 0
  local f="$WORK/$1-teach.bin" n=${NID[$1]}
  [ -f "$f" ] || "$PY" "$HERE/mkpkts.py" "$f" "${DMAC[$1]}" "$(mac_of "$NS_F" "${FUL[$1]}")" "198.19.$n.3" \
    "198.19.$n.2" 10100 60 1 02:b5:ff:00:00:02
  focus "$1"; nsx "$NS_F" taskset -c 0 timeout 10 "$WORK/vxgen" "${FUL[$1]}" "$f" 1 1000 >/dev/null
}
# (namespace, interface) that sends, and that counts, per direction
src_ns() { [ "$2" = fwd ] && echo "$NS_G ${GTRUNK[$1]}" || echo "$NS_F ${FUL[$1]}"; }
dst_ns() { [ "$2" = fwd ] && echo "$NS_F ${FUL[$1]}" || echo "$NS_G ${GTRUNK[$1]}"; }
quiesce() {  # until the receiving counter stands still for 0.3 s, at most 5 s
  local last now; last=$(counter $1 $2 rx_packets)
  for _ in $(seq 1 16); do sleep 0.3; now=$(counter $1 $2 rx_packets); [ "$now" = "$last" ] && return 0; last=$now; done
}
# focus DEV: only DEV's gateway runs; every other vtep4j gateway is paused (SIGSTOP), so that no idle JVM (its GC,
# JIT, timers, or a --busy-wait loop that spins when idle) takes CPU 1 from the device being measured
focus() {
  local d; for d in "${ACTIVE[@]}"; do
    [ -n "${PID[$d]:-}" ] || continue
    if [ "$d" = "$1" ]; then kill -CONT "${PID[$d]}" 2>/dev/null; else kill -STOP "${PID[$d]}" 2>/dev/null; fi
  done; true
}
unfocus() { local d; for d in "${ACTIVE[@]}"; do [ -z "${PID[$d]:-}" ] || kill -CONT "${PID[$d]}" 2>/dev/null; done; true; }
# --counts: perf stat's events on CPU 1, in the order of counts.csv's columns after the IPIs
COUNT_EVENTS="raw_syscalls:sys_enter,syscalls:sys_enter_recvmmsg,syscalls:sys_enter_sendmmsg,syscalls:sys_enter_sendto"
COUNT_EVENTS+=",context-switches,irq:softirq_entry"
ipis() { awk '$1 == "CAL:" {print $2, $3}' /proc/interrupts; }   # IPIs taken so far by CPU 0 and by CPU 1
trial() {  # trial PHASE DEV DIR SIZE RATE SECONDS -> "offered delivered seconds refused cpu1-ticks", a CSV row
  local f s d r0 r1 c0 c1 out sent took refused i0 i1 pp cnt
  f=$(pkts "$2" "$3" "$4"); s=($(src_ns "$2" "$3")); d=($(dst_ns "$2" "$3"))
  focus "$2"; quiesce "${d[@]}"; r0=$(counter "${d[@]}" rx_packets); c0=$(cpu1_busy)
  if [ "$COUNTS" = 1 ]; then   # counted while the generator sends, for as long as it is asked to
    i0=($(ipis)); rm -f "$WORK/perf.txt"
    timeout $(($6 + 10)) perf stat -C 1 -x, -e "$COUNT_EVENTS" -o "$WORK/perf.txt" -- sleep "$6" >/dev/null 2>&1 & pp=$!
  fi
  out=$(nsx "${s[0]}" taskset -c 0 timeout $(($6 + 10)) "$WORK/vxgen" "${s[1]}" "$f" "$6" "$5")
  if [ "$COUNTS" = 1 ]; then
    wait "$pp" || true; i1=($(ipis))
    cnt="$((i1[0] - i0[0])),$((i1[1] - i0[1]))"
    cnt+=",$(grep -v '^#' "$WORK/perf.txt" 2>/dev/null | grep . | cut -d, -f1 | paste -sd, -)"
  fi
  quiesce "${d[@]}"; r1=$(counter "${d[@]}" rx_packets); c1=$(cpu1_busy)
  [ "$COUNTS" = 0 ] || echo "$1,$2,$3,$4,$5,$((r1 - r0)),$cnt" >>"$WORK/counts.csv"
  sent=$(echo "$out" | awk '{print $2}'); took=$(echo "$out" | awk '{print $5}')
  # refused: offered frames the device's input queue dropped at once (counted in sent, see vxgen.c)
  refused=$(echo "$out" | sed -n 's/.*refused by the device: \([0-9]*\).*/\1/p')
  echo "$1,$2,$3,$4,$5,$sent,$((r1 - r0)),$took,$(cut -d' ' -f1 /proc/loadavg),${refused:-0},$((c1 - c0))" >>"$RAW"
  echo "$sent $((r1 - r0)) $took ${refused:-0} $((c1 - c0))"
}
ACTIVE=(); for dev in ${DEVICES//,/ }; do [ "${STATUS[$dev]}" = ok ] && ACTIVE+=("$dev"); done
echo "phase,device,dir,size,rate,offered,delivered,seconds,load1,refused,cpu1_ticks" >"$RAW"
[ "$COUNTS" = 0 ] || echo "phase,device,dir,size,rate,delivered,ipis_cpu0,ipis_cpu1,syscalls,recvmmsg,sendmmsg,sendto,\
context_switches,softirqs" >"$WORK/counts.csv"
START=$(date +%s)
over_time() { [ $(( $(date +%s) - START )) -ge "$LIMIT" ]; }
declare -A NODROP SAT SAT_OFFERED SAT_REFUSED CURVE_OFFERED CURVE_DELIVERED USPF FLOOR
if [ -n "$CURVE" ]; then SIZES=""; fi   # the curve replaces the search
for dir in $([ -n "$CURVE" ] && echo fwd rev || true); do   # the overload curve: offered vs delivered, 64 B
  for dev in "${ACTIVE[@]}"; do
    [ "$dir" = rev ] || teach "$dev"
    focus "$dev"; s=($(src_ns "$dev" "$dir")); nsx "${s[0]}" taskset -c 0 timeout 10 "$WORK/vxgen" "${s[1]}" \
      "$(pkts "$dev" "$dir" 64)" "$WARMUP" 50000 >/dev/null
  done
  for r in ${CURVE//,/ }; do
    for dev in "${ACTIVE[@]}"; do   # interleaved per rate
      read -r sent got took refused ticks < <(trial curve "$dev" "$dir" 64 "$r" "$DURATION")
      CURVE_OFFERED[$dev,$dir,$r]=$(awk -v s="$sent" -v t="$took" 'BEGIN{printf "%d", s / t}')
      CURVE_DELIVERED[$dev,$dir,$r]=$(awk -v g="$got" -v t="$took" 'BEGIN{printf "%d", g / t}')
      echo "curve $dev $dir rate=$r offered=${CURVE_OFFERED[$dev,$dir,$r]} delivered=${CURVE_DELIVERED[$dev,$dir,$r]} pps"
    done
  done
done
for size in $SIZES; do
  for dir in fwd rev; do
    for dev in "${ACTIVE[@]}"; do   # warm-up (not recorded): the JIT compiles the path, the MAC is learned
      [ "$dir" = rev ] || teach "$dev"
      focus "$dev"; s=($(src_ns "$dev" "$dir")); nsx "${s[0]}" taskset -c 0 timeout 10 "$WORK/vxgen" "${s[1]}" \
        "$(pkts "$dev" "$dir" "$size")" "$WARMUP" 50000 >/dev/null
    done
    declare -A HI LO MID PASSED FAILED DONE LFCPU
    for rep in $(seq 1 "$SAT_REPS"); do
      for dev in "${ACTIVE[@]}"; do   # interleaved: kernel, afpacket, pcap, kernel, ...
        over_time && break 3
        read -r sent got took refused ticks < <(trial sat "$dev" "$dir" "$size" 0 "$DURATION")
        echo "sat  $dev $dir size=$size offered=$sent delivered=$got refused=$refused in ${took}s"
        SAT[$dev,$dir,$size]=$(awk -v g="$got" -v t="$took" 'BEGIN{printf "%d", g / t}')
        off=$(awk -v s="$sent" -v t="$took" 'BEGIN{printf "%d", s / t}'); SAT_OFFERED[$dev,$dir,$size]=$off
        SAT_REFUSED[$dev,$dir,$size]=$(awk -v s="$sent" -v r="$refused" 'BEGIN{ if (s > 0) printf "%.1f %%", 100 * r / s; else print "n/a" }')
        ok=$(within_loss "$sent" "$got")
        # the generator's pace varies between trials: keep the fastest saturation trial that passed, and the
        # slowest that failed; the search starts just under what that one delivered
        if [ "$ok" = 1 ]; then
          if [ "$off" -gt "${PASSED[$dev]:-0}" ]; then PASSED[$dev]=$off; LFCPU[$dev]="$ticks $got"; fi
        elif [ "$off" -lt "${FAILED[$dev]:-999999999}" ]; then
          FAILED[$dev]=$off
          MID[$dev]=$(awk -v g="$got" -v s="$sent" -v t="$took" 'BEGIN{printf "%d", (g > s / 20) ? 0.95 * g / t : s / t / 8}')
        fi
      done
    done
    # A saturation trial that passed is a floor; when a faster one failed, the search goes on between the two.
    for dev in "${ACTIVE[@]}"; do
      LO[$dev]=${PASSED[$dev]:-0}; HI[$dev]=${FAILED[$dev]:-0}
      if [ -n "${PASSED[$dev]:-}" ]; then
        if [ "${HI[$dev]}" -gt "${LO[$dev]}" ]; then MID[$dev]=$(( (LO[$dev] + HI[$dev]) / 2 )); else DONE[$dev]=1; fi
      fi
    done
    for step in $(seq 1 "$SEARCH_STEPS"); do
      for dev in "${ACTIVE[@]}"; do
        over_time && break 3
        if [ "${DONE[$dev]:-0}" = 1 ]; then continue; fi
        r=${MID[$dev]}; [ "$r" -lt 1000 ] && r=1000
        read -r sent got took refused ticks < <(trial "search$step" "$dev" "$dir" "$size" "$r" "$DURATION")
        pass=$(within_loss "$sent" "$got")
        echo "step $step $dev $dir size=$size rate=$r offered=$sent delivered=$got pass=$pass"
        if [ "$pass" = 0 ] && [ "$CONFIRM" = 1 ] && ! over_time; then   # one lossy trial may be noise: try again
          read -r sent got took refused ticks < <(trial "search${step}r" "$dev" "$dir" "$size" "$r" "$DURATION")
          pass=$(within_loss "$sent" "$got")
          echo "step $step $dev $dir size=$size rate=$r offered=$sent delivered=$got pass=$pass (repeat)"
        fi
        # a pass counts at the rate the generator reached, if it fell short of the one asked for, and never
        # lowers a rate that passed before
        if [ "$pass" = 1 ]; then lo=$(awk -v r="$r" -v s="$sent" -v t="$took" -v lo="${LO[$dev]}" \
          'BEGIN{o = s / t; x = (o < r) ? o : r; printf "%d", (x > lo) ? x : lo}')
          [ "$lo" = "${LO[$dev]}" ] || LFCPU[$dev]="$ticks $got"; LO[$dev]=$lo
          MID[$dev]=$(( (r + HI[$dev]) / 2 )); else
          HI[$dev]=$r; MID[$dev]=$(awk -v a="${LO[$dev]}" -v b="$r" 'BEGIN{printf "%d", (a == 0) ? b / 2 : (a + b) / 2}'); fi
      done
    done
    for dev in "${ACTIVE[@]}"; do
      NODROP[$dev,$dir,$size]=${LO[$dev]}
      # no trial lost: the rate is the generator's pace against this device, a floor for its capacity
      [ "${HI[$dev]:-0}" -gt 0 ] || FLOOR[$dev,$dir,$size]=1
      # CPU 1 per delivered frame in the trial that set the loss-free rate (busy ticks of 10 ms)
      [ -z "${LFCPU[$dev]:-}" ] || USPF[$dev,$dir,$size]=$(echo "${LFCPU[$dev]}" | awk '{ if ($2 > 0) printf "%.2f", $1 * 10000 / $2 }')
    done
    unset HI LO MID PASSED FAILED DONE LFCPU
  done
done
unfocus
for dev in "${ACTIVE[@]}"; do   # the gateways' own view of losses, from their closing summary
  [ -n "${PID[$dev]}" ] && kill "${PID[$dev]}" 2>/dev/null && for _ in $(seq 1 200); do
    kill -0 "${PID[$dev]}" 2>/dev/null || break; sleep 0.1; done
done

if [ -n "$CURVE" ]; then
  for dev in "${ACTIVE[@]}"; do   # the gateways' closing summaries: their own count of what they lost
    [ -n "${PID[$dev]}" ] && kill "${PID[$dev]}" 2>/dev/null && for _ in $(seq 1 200); do
      kill -0 "${PID[$dev]}" 2>/dev/null || break; sleep 0.1; done
  done
  {
    echo "### Gateway overload curve ($mode, $(date -u +%Y-%m-%d\ %H:%M) UTC, load $(cut -d' ' -f1-3 /proc/loadavg))"
    echo
    echo "64-byte frames, ${DURATION} s trials interleaved per rate; offered / delivered, packets/s.${GW_ARGS:+ vtep4j flags: $GW_ARGS.} Underlay veth GRO $GRO; both directions over $FLOWS flow(s); $QUEUES receive queue(s) per veth of the device.$([ "$KNOWN_DST" = 1 ] && echo ' Forward to a known destination (--known-dst).' || true)"
    echo
    printf '| direction | target rate |'; for dev in "${ACTIVE[@]}"; do printf ' %s offered | %s delivered |' "$dev" "$dev"; done; echo
    printf '|---|---|'; for _ in "${ACTIVE[@]}"; do printf -- '---|---|'; done; echo
    for dir in fwd rev; do for r in ${CURVE//,/ }; do
      printf '| %s | %s |' "$([ $dir = fwd ] && echo 'VLAN 100 -> VNI 10100' || echo 'VNI 10100 -> VLAN 100')" \
        "$([ "$r" = 0 ] && echo max || echo "$r")"
      for dev in "${ACTIVE[@]}"; do printf ' %s | %s |' "${CURVE_OFFERED[$dev,$dir,$r]:-n/a}" "${CURVE_DELIVERED[$dev,$dir,$r]:-n/a}"; done
      echo
    done; done
    for dev in "${ACTIVE[@]}"; do
      [ -f "$WORK/$dev.log" ] && grep -h "summary after" "$WORK/$dev.log" | sed "s/^/- $dev: /" || true
    done
  } >"$WORK/summary.md"
  cat "$WORK/summary.md"
  cleanup; trap - EXIT
  [ "$RECORD" = 1 ] && record "gateway.sh curve" "## Gateway overload curve (bench/system/gateway.sh --curve)"
  echo "gateway.sh: results in $OUT"
  exit 0
fi
ratio() { awk -v a="${NODROP[$1,$2,64]:-}" -v b="${NODROP[kernel,$2,64]:-0}" \
  'BEGIN{ if (b > 0 && a != "") printf "%.2f", a / b; else print "n/a" }'; }
{
  echo "### Gateway throughput ($mode, $(date -u +%Y-%m-%d\ %H:%M) UTC, load $(cut -d' ' -f1-3 /proc/loadavg))"
  echo
  echo "Loss-free rate (<= 0.1 % loss) and, at saturation, the offered and delivered rates, packets/s; ${DURATION} s trials, interleaved.${GW_ARGS:+ vtep4j flags: $GW_ARGS.} Underlay veth GRO $GRO; both directions over $FLOWS flow(s); $QUEUES receive queue(s) per veth of the device.$([ "$KNOWN_DST" = 1 ] && echo ' Forward to a known destination (--known-dst).' || true) Offered includes the frames the device's full input queue refused (lost; their share at saturation in its own column). CPU 1 (the device's CPU): busy time per delivered frame in the trial that set the loss-free rate, and its share of CPU 1 at that rate (counted in ticks of 10 ms over the trial and its drain, so it can read a few % over 100); where a device lost nothing at the highest rate the generator reached, its loss-free rate is marked ≥: its capacity lies above that rate (a ratio between two such rates, marked \"both ≥\", compares the generator's pace in two trials, not the devices), and 1 s divided by its time per frame is a rough guess at how far (the time per frame tends to fall as the rate, and with it each batch, grows)."
  echo
  echo "| direction | size | device | loss-free | saturation (delivered) | saturation (offered) | refused at saturation | loss-free / kernel | CPU 1 µs / frame | CPU 1 busy |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for dir in fwd rev; do for size in $SIZES; do for dev in "${ACTIVE[@]}"; do
    k=${NODROP[kernel,$dir,$size]:-0}
    echo "| $([ $dir = fwd ] && echo 'VLAN 100 -> VNI 10100' || echo 'VNI 10100 -> VLAN 100') | $size | $dev |" \
      "$([ "${FLOOR[$dev,$dir,$size]:-0}" = 1 ] && echo '≥ ' || true)${NODROP[$dev,$dir,$size]:-n/a} | ${SAT[$dev,$dir,$size]:-n/a} | ${SAT_OFFERED[$dev,$dir,$size]:-n/a} |" \
      "${SAT_REFUSED[$dev,$dir,$size]:-n/a} |" \
      "$(awk -v a="${NODROP[$dev,$dir,$size]:-0}" -v b="$k" -v fa="${FLOOR[$dev,$dir,$size]:-0}" \
         -v fb="${FLOOR[kernel,$dir,$size]:-0}" -v self="$([ "$dev" = kernel ] && echo 1 || echo 0)" \
         'BEGIN{ if (b <= 0) { print "n/a"; exit }
                 r = sprintf("%.2f", a / b)
                 if (self) print r; else if (fa && fb) print r " (both ≥)"; else if (fa) print "≥ " r; else if (fb) print "≤ " r; else print r }') |" \
      "${USPF[$dev,$dir,$size]:-n/a} |" \
      "$(awk -v u="${USPF[$dev,$dir,$size]:-}" -v r="${NODROP[$dev,$dir,$size]:-0}" 'BEGIN{ if (u != "") printf "%.0f %%", u * r / 1e4; else print "n/a" }') |"
  done; done; done
  for dev in ${DEVICES//,/ }; do [ "${STATUS[$dev]}" = ok ] || echo "- $dev: ${STATUS[$dev]}"; done
  for dev in "${ACTIVE[@]}"; do
    # the gateway's own count of what it lost (trunk errors: overrun = ring full), from its closing summary
    [ -f "$WORK/$dev.log" ] && grep -h "summary after" "$WORK/$dev.log" | sed "s/^/- $dev: /" || true
  done
} >"$WORK/summary.md"
RESULT="RESULT gw_fwd_ratio=$(ratio afpacket fwd) gw_rev_ratio=$(ratio afpacket rev) (afpacket-bw: fwd $(ratio afpacket-bw fwd) rev $(ratio afpacket-bw rev); afpacket-bp: fwd $(ratio afpacket-bp fwd) rev $(ratio afpacket-bp rev); afpacket-nice: fwd $(ratio afpacket-nice fwd) rev $(ratio afpacket-nice rev); afpacket-offload: fwd $(ratio afpacket-offload fwd) rev $(ratio afpacket-offload rev); afpacket-xrx: fwd $(ratio afpacket-xrx fwd) rev $(ratio afpacket-xrx rev); pcap: fwd $(ratio pcap fwd) rev $(ratio pcap rev); xdp: fwd $(ratio xdp fwd) rev $(ratio xdp rev); xdp-all: fwd $(ratio xdp-all fwd) rev $(ratio xdp-all rev); xdp-native: fwd $(ratio xdp-native fwd) rev $(ratio xdp-native rev); xdp-rx: fwd $(ratio xdp-rx fwd) rev $(ratio xdp-rx rev))"
echo "$RESULT" >>"$WORK/summary.md"
cat "$WORK/summary.md"
cleanup; trap - EXIT
[ "$RECORD" = 1 ] && record "gateway.sh" "## Gateway throughput (bench/system/gateway.sh)"
echo "gateway.sh: results in $OUT"
echo "$RESULT"
