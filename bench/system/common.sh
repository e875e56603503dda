# Helpers shared by the system benchmarks (run.sh, gateway.sh, trunksend.sh, recvcost.sh); sourced after they set
# HERE to their directory.
# Defines ROOT (the repository), PY, usage (prints the sourcing script's header comment) and small netns helpers.

ROOT="$(cd "$HERE/../.." && pwd)"
PY=/usr/bin/python3
# The script's header comment, from line 2 to the first line that is not a comment, without the leading "# ".
usage() { awk 'NR == 1 { next } !/^#/ { exit } { sub(/^# ?/, ""); print }' "$0"; }
nsx() { local ns="$1"; shift; ip netns exec "$ns" "$@"; }
# mac_of NS IFACE -> the interface's MAC address
mac_of() { ip -n "$1" -j link show "$2" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])'; }
# counter NS IFACE NAME -> the value of /sys/class/net/IFACE/statistics/NAME inside NS
counter() { nsx "$1" cat "/sys/class/net/$2/statistics/$3"; }
# within_loss SENT DELIVERED -> 1 if the trial lost at most LOSS_LIMIT (the sourcing script's, a fraction) of what was
# sent, else 0 (also when nothing was sent)
within_loss() { awk -v s="$1" -v g="$2" -v l="$LOSS_LIMIT" 'BEGIN{print (s > 0 && (s - g) / s <= l) ? 1 : 0}'; }
# cpu1_busy -> CPU 1's busy time so far in clock ticks (USER_HZ, 100 a second): user, nice, system, irq, softirq
# and steal from /proc/stat, that is everything but idle and iowait
cpu1_busy() { awk '/^cpu1 /{print $2+$3+$4+$7+$8+$9}' /proc/stat; }

# The receive of a veth carrying an AF_XDP socket (its XDP program and the copy into the socket) runs in the veth's
# NAPI, by default in the sender's softirq (RPS does not apply to XDP).
# napi_on_cpu1 WHO NS IFACE: threaded NAPI for IFACE, its kthread on CPU 1 with the device under test, so all of the
# device's work is on CPU 1 as for the others
napi_on_cpu1() {
  nsx "$2" sh -c "echo 1 > /sys/class/net/$3/threaded" \
    && for p in $(pgrep "^napi/$3-"); do taskset -pc 1 "$p" >/dev/null; done \
    || echo "$1: no threaded NAPI on $3; its receive work stays on the sender's CPU"
}
# defer_irqs WHO NS IFACE: IFACE's NAPI waits for the device's busy polls, or DEFER_NS nanoseconds (environment,
# default 1 ms), before it runs again (after 2 rounds with nothing to do it runs on every frame again); where busy
# polls cannot reach the NAPI (a veth gives AF_XDP no NAPI id) it runs every DEFER_NS under load and takes what has
# come meanwhile in one go. A veth holds at most 256 frames for its NAPI: at a rate R the wait must stay well under
# 256 / R, or the sender's frames are refused meanwhile.
defer_irqs() {
  nsx "$2" sh -c "echo 2 > /sys/class/net/$3/napi_defer_hard_irqs && echo ${DEFER_NS:-1000000} > /sys/class/net/$3/gro_flush_timeout" \
    || echo "$1: $3 cannot defer its interrupts; busy polling runs beside the kernel's own receive"
}

# For the small probes (trunksend.sh, recvcost.sh): scratch_setup makes a temporary folder WORK and arranges that it,
# and every namespace made with scratch_ns, is removed when the script ends (EXIT, INT, TERM).
scratch_setup() {
  WORK="$(mktemp -d)"; SCRATCH_NS=()
  trap scratch_cleanup EXIT; trap 'exit 130' INT; trap 'exit 143' TERM
}
scratch_cleanup() {
  set +e
  for ns in "${SCRATCH_NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$WORK"
}
scratch_ns() { ip netns add "$1"; SCRATCH_NS+=("$1"); nsx "$1" ip link set lo up; }   # scratch_ns NAME
# median: the median of the whitespace-separated numbers on stdin (the lower one of the middle two)
median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
