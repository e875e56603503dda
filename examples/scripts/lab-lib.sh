# Shared by the example labs (gateway-lab.sh, evpn-lab.sh); sourced, not run. The caller sets P (the prefix of
# its namespace names) and NAMESPACES (the names after the prefix), and defines up() and down().

# lab_delete_namespaces: kills what runs in each of the lab's namespaces, then deletes them (absent ones are skipped).
lab_delete_namespaces() {
  for n in "${NAMESPACES[@]}"; do
    if ip netns list 2>/dev/null | grep -qw "$P-$n"; then
      for pid in $(ip netns pids "$P-$n"); do kill "$pid" 2>/dev/null || true; done
      ip netns del "$P-$n"
    fi
  done
}

# lab_create_namespaces: adds each of the lab's namespaces with its loopback up.
lab_create_namespaces() {
  for n in "${NAMESPACES[@]}"; do ip netns add "$P-$n"; ip -n "$P-$n" link set lo up; done
}

# veth NS_A IF_A NS_B IF_B: a veth pair between two namespaces, both ends up, tx checksum offload off
# (userspace reads these frames raw: without this they carry partial checksums).
veth() {
  ip link add "$2" netns "$P-$1" type veth peer name "$4" netns "$P-$3"
  for end in "$1 $2" "$3 $4"; do
    set -- $end
    ip netns exec "$P-$1" ethtool -K "$2" tx off >/dev/null
    ip -n "$P-$1" link set "$2" up
  done
}

# lab_main ARG: runs up or down, or prints the usage and exits 2.
lab_main() {
  case "${1:-}" in
    up)
      # a step that fails leaves no half-built lab: its namespaces and daemons are taken down again
      trap 'rc=$?; if [ "$rc" -ne 0 ]; then echo "lab not built (exit $rc): taking it down" >&2; down; fi' EXIT
      trap 'exit 130' INT
      trap 'exit 143' TERM
      up
      ;;
    down) down ;;
    *) echo "usage: $0 up|down" >&2; exit 2 ;;
  esac
}
