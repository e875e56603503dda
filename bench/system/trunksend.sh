#!/usr/bin/env bash
# Per-frame cost of the two ways a packet socket can send small frames, side by side: sendmmsg with one message per
# frame (what the gateway's AF_PACKET trunk does) and a TPACKET_V2 transmit ring flushed by one send() per 64 frames
# (trunksend.c). The sender runs on CPU 1 in a namespace of its own and sends on a veth whose peer, in a second
# namespace, drops the frames (unknown EtherType); the peer's receive work goes to CPU 0 through RPS, as for the
# receiving ends of gateway.sh. Only layer 2, no addresses or routes: nothing can leave the two namespaces.
#
# Usage (root): bench/system/trunksend.sh [--frames N] [--rounds R] [--sink-cpu 0|1]
#   --frames N      frames per trial (default 2000000)
#   --rounds R      trials per method, interleaved mmsg, ring, mmsg, ... (default 3)
#   --sink-cpu C    the CPU that runs the receiving end's work (default 0; 1 puts it on the sender's CPU)
# Prints one line per trial and the median CPU ns per frame of each method; changes no tracked file. Needs gcc.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
. "$HERE/common.sh"
FRAMES=2000000; ROUNDS=3; SINK_CPU=0
while [ $# -gt 0 ]; do
  case "$1" in
    --frames) FRAMES="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --sink-cpu) SINK_CPU="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1 (expected: --frames N, --rounds R, --sink-cpu 0|1)" >&2; exit 2 ;;
  esac
done
[[ "$FRAMES" =~ ^[1-9][0-9]{0,8}$ ]] || { echo "--frames: $FRAMES (expected: 1..999999999)" >&2; exit 2; }
[[ "$ROUNDS" =~ ^[1-9][0-9]?$ ]] || { echo "--rounds: $ROUNDS (expected: 1..99)" >&2; exit 2; }
[[ "$SINK_CPU" =~ ^[01]$ ]] || { echo "--sink-cpu: $SINK_CPU (expected: 0 or 1)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "trunksend.sh: needs root (network namespaces)" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "trunksend.sh: needs 2 CPUs" >&2; exit 1; }
command -v gcc >/dev/null || { echo "trunksend.sh: needs gcc (Debian: gcc)" >&2; exit 1; }

NS_S="ts$$snd"; NS_R="ts$$rcv"
scratch_setup   # WORK; it and the namespaces go when the script ends
gcc -O2 -Wall -Wextra -o "$WORK/trunksend" "$HERE/trunksend.c"
for ns in "$NS_S" "$NS_R"; do scratch_ns "$ns"; done
ip link add name tss0 netns "$NS_S" type veth peer name tsr0 netns "$NS_R"
nsx "$NS_S" ip link set tss0 up; nsx "$NS_R" ip link set tsr0 up
nsx "$NS_R" sh -c "for q in /sys/class/net/tsr0/queues/rx-*; do echo $((1 << SINK_CPU)) > \$q/rps_cpus; done"
for ns in "$NS_S" "$NS_R"; do   # safety: nothing routable in either namespace
  [ -z "$(nsx "$ns" ip -4 addr show scope global)$(nsx "$ns" ip route show)" ] \
    || { echo "SAFETY: $ns has addresses or routes" >&2; exit 1; }
done

declare -A RESULTS
for round in $(seq 1 "$ROUNDS"); do
  for method in mmsg ring; do
    line=$(nsx "$NS_S" taskset -c 1 timeout 300 "$WORK/trunksend" tss0 "$method" "$FRAMES")
    echo "round $round: $line"
    RESULTS[$method]+="$(echo "$line" | sed -n 's/.*cpu_ns_per_frame=\([0-9]*\).*/\1/p') "
  done
done
echo "RESULT trunksend mmsg_cpu_ns=$(echo "${RESULTS[mmsg]}" | median) ring_cpu_ns=$(echo "${RESULTS[ring]}" | median)" \
  "(median of $ROUNDS, $FRAMES frames of 64 bytes each, receiver's work on CPU $SINK_CPU)"
