# Helpers shared by the system benchmarks (run.sh, gateway.sh); sourced after they set HERE to their directory.
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
