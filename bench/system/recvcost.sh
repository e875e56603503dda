#!/usr/bin/env bash
# What CPU 1 spends to take one VXLAN packet into a process, two ways, beside what it spends when the packet is only
# dropped: the generator (vxgen.c, CPU 0) sends 64-byte VXLAN packets at a fixed rate into a veth whose receive work
# RPS hands to CPU 1, as gateway.sh does for every device under test, and CPU 1's busy time (/proc/stat) is read
# around each trial:
#   udp   a process on CPU 1 reads them from a UDP socket (recvmmsg, up to 64 per call), as the socket underlay does
#   ring  a process on CPU 1 reads them from a TPACKET_V3 receive ring, as the AF_PACKET trunk reads its frames;
#         a tc program (recvcost_tc.c) drops them after the ring has its copy, before the IP layer
#   drop  no process: the tc program alone drops them, so this is the receive work every receiver pays
# Both namespaces are created here with addresses in 198.18.0.0/15 (RFC 2544's benchmarking range) and no routes
# beyond their own link; they are deleted on exit, and every wait is bounded.
#
# Usage (root): bench/system/recvcost.sh [--rate PPS] [--seconds S] [--rounds R]
#   --rate PPS     offered packets per second (default 250000)
#   --seconds S    per trial (default 5)
#   --rounds R     trials per method, interleaved udp, ring, drop, udp, ... (default 2)
# Prints one line per trial and the median CPU 1 ns per packet of each method; changes no tracked file. Needs gcc,
# clang and libbpf-dev (as gateway.sh).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/common.sh"
RATE=250000; SECONDS_PER=5; ROUNDS=2
while [ $# -gt 0 ]; do
  case "$1" in
    --rate) RATE="$2"; shift 2 ;;
    --seconds) SECONDS_PER="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1 (expected: --rate PPS, --seconds S, --rounds R)" >&2; exit 2 ;;
  esac
done
[[ "$RATE" =~ ^[1-9][0-9]{0,7}$ ]] || { echo "--rate: $RATE (expected: 1..99999999)" >&2; exit 2; }
[[ "$SECONDS_PER" =~ ^[1-9][0-9]?$ ]] || { echo "--seconds: $SECONDS_PER (expected: 1..99)" >&2; exit 2; }
[[ "$ROUNDS" =~ ^[1-9]$ ]] || { echo "--rounds: $ROUNDS (expected: 1..9)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "recvcost.sh: needs root (network namespaces, tc)" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "recvcost.sh: needs 2 CPUs" >&2; exit 1; }
for tool in gcc clang tc; do
  command -v "$tool" >/dev/null || { echo "recvcost.sh: needs $tool (Debian: gcc, clang, iproute2)" >&2; exit 1; }
done
[ -f /usr/include/bpf/bpf_helpers.h ] || { echo "recvcost.sh: needs bpf/bpf_helpers.h (Debian: libbpf-dev)" >&2; exit 1; }

NS_G="rc$$gen"; NS_R="rc$$rcv"
scratch_setup   # WORK; it and the namespaces go when the script ends
gcc -O2 -Wall -o "$WORK/vxgen" "$HERE/vxgen.c"
gcc -O2 -Wall -o "$WORK/recvcost" "$HERE/recvcost.c"
clang -O2 -g -target bpf -I"/usr/include/$(gcc -dumpmachine)" -c "$HERE/recvcost_tc.c" -o "$WORK/recvcost_tc.o"
for ns in "$NS_G" "$NS_R"; do scratch_ns "$ns"; done
ip link add name rcg0 netns "$NS_G" type veth peer name rcr0 netns "$NS_R"
for pair in "$NS_G rcg0" "$NS_R rcr0"; do
  set -- $pair; nsx "$1" ethtool -K "$2" tx off >/dev/null 2>&1 || true; nsx "$1" ip link set "$2" up
done
nsx "$NS_G" ip addr add 198.18.0.1/24 dev rcg0; nsx "$NS_R" ip addr add 198.18.0.2/24 dev rcr0
nsx "$NS_R" sh -c 'for q in /sys/class/net/rcr0/queues/rx-*; do echo 2 > $q/rps_cpus; done'   # receive work: CPU 1
nsx "$NS_G" sh -c 'for q in /sys/class/net/rcg0/queues/rx-*; do echo 1 > $q/rps_cpus; done'
for ns in "$NS_G" "$NS_R"; do   # safety: no default route; the peer is on the link
  [ -z "$(nsx "$ns" ip route show default)" ] || { echo "SAFETY: $ns has a default route" >&2; exit 1; }
done
"$PY" "$HERE/mkpkts.py" "$WORK/packets.bin" "$(mac_of "$NS_R" rcr0)" "$(mac_of "$NS_G" rcg0)" 198.18.0.1 198.18.0.2 \
  10100 60 1

declare -A RESULTS
net_rx_cpu1() { awk '$1 == "NET_RX:" {print $3}' /proc/softirqs; }   # NET_RX softirq runs on CPU 1 so far
trial() {  # trial METHOD -> one line
  local method=$1 pid="" c0 c1 r0 r1 s0 s1 got="-"
  rm -f "$WORK/err"
  nsx "$NS_R" tc qdisc del dev rcr0 clsact 2>/dev/null || true
  if [ "$method" != udp ]; then
    nsx "$NS_R" tc qdisc add dev rcr0 clsact
    nsx "$NS_R" tc filter add dev rcr0 ingress bpf direct-action obj "$WORK/recvcost_tc.o" sec tc
  fi
  case $method in
    udp) nsx "$NS_R" taskset -c 1 timeout $((SECONDS_PER + 10)) "$WORK/recvcost" udp 198.18.0.2 $((SECONDS_PER + 2)) \
           >"$WORK/out" 2>"$WORK/err" & pid=$! ;;
    ring) nsx "$NS_R" taskset -c 1 timeout $((SECONDS_PER + 10)) "$WORK/recvcost" ring rcr0 $((SECONDS_PER + 2)) \
           >"$WORK/out" 2>"$WORK/err" & pid=$! ;;
  esac
  if [ -n "$pid" ]; then   # the reader takes packets before the first is sent: up to 5 s for its "ready"
    for _ in $(seq 1 50); do grep -q '^ready$' "$WORK/err" 2>/dev/null && break; sleep 0.1; done
    grep -q '^ready$' "$WORK/err" || { echo "recvcost.sh: the $method reader did not start: $(cat "$WORK/err")" >&2; exit 1; }
  fi
  r0=$(counter "$NS_R" rcr0 rx_packets); c0=$(cpu1_busy); s0=$(net_rx_cpu1)
  nsx "$NS_G" taskset -c 0 timeout $((SECONDS_PER + 10)) "$WORK/vxgen" rcg0 "$WORK/packets.bin" "$SECONDS_PER" "$RATE" \
    >/dev/null
  c1=$(cpu1_busy); s1=$(net_rx_cpu1); r1=$(counter "$NS_R" rcr0 rx_packets)
  if [ -n "$pid" ]; then wait "$pid" || true; got=$(cat "$WORK/out"); fi
  local ns=$(( (c1 - c0) * 10000000 / (r1 - r0 > 0 ? r1 - r0 : 1) ))
  RESULTS[$method]+="$ns "
  echo "$method: $((r1 - r0)) packets at $RATE/s, CPU 1 $((c1 - c0)) ticks = $ns ns per packet," \
    "$((s1 - s0)) NET_RX softirq runs on CPU 1; reader: $got"
}
for round in $(seq 1 "$ROUNDS"); do for method in udp ring drop; do trial "$method"; done; done
echo "RESULT recvcost udp_ns=$(echo "${RESULTS[udp]}" | median) ring_ns=$(echo "${RESULTS[ring]}" | median)" \
  "drop_ns=$(echo "${RESULTS[drop]}" | median) (CPU 1 per packet, median of $ROUNDS, $RATE packets/s of 64 bytes)"
