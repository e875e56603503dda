#!/usr/bin/env bash
# The worked example of examples/EVPN.md: two racks joined by BGP EVPN, all in network namespaces named evlab-*
# with no route off the machine.
#   rack 1: host h1 -- trunk0 -- vtep4j gateway (namespace evlab-gw, 10.99.0.1) + gobgpd (API 127.0.0.1:50051)
#   rack 2: FRR (zebra + bgpd) driving a kernel vxlan device (VNI 100, nolearning) in bridge br100 -- host h2
# The daemons run with their own configuration, sockets and pid files under /tmp/evlab; no system service is
# used or touched.
#
#   sudo examples/scripts/evpn-lab.sh up
#   sudo ip netns exec evlab-gw java -jar examples/target/vtep4j.jar gateway \
#        --local 10.99.0.1 --port trunk0 --untagged 100 --evpn 127.0.0.1:50051
#   sudo ip netns exec evlab-h1 ping 10.50.0.2
#   sudo examples/scripts/evpn-lab.sh down
set -euo pipefail
# shellcheck source=lab-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lab-lib.sh"

P=evlab
NAMESPACES=(h1 gw k h2)
DIR=/tmp/$P

down() {
  if [ -d "$DIR" ]; then
    for pid in "$DIR"/*.pid "$DIR"/frr/*.pid; do
      [ -f "$pid" ] || continue
      p=$(cat "$pid"); kill "$p" 2>/dev/null || true
      rm -rf "/var/tmp/frr/$(basename "$pid" .pid).$p" # this daemon's own state, by its exact name
    done
    rm -rf "$DIR"
  fi
  lab_delete_namespaces
}

up() {
  down
  mkdir -p "$DIR/frr"
  lab_create_namespaces

  # Rack 1: h1 on the gateway's trunk (untagged), the gateway's underlay toward rack 2.
  veth h1 eth0 gw trunk0
  ip -n $P-h1 link set eth0 address 02:00:00:00:e1:01
  ip -n $P-h1 addr add 10.50.0.1/24 dev eth0
  veth gw u0 k u0
  ip -n $P-gw addr add 10.99.0.1/24 dev u0
  ip -n $P-k addr add 10.99.0.2/24 dev u0

  # Rack 2: kernel VTEP without data-plane learning (FRR installs remote MACs), bridged with h2.
  ip -n $P-k link add vx100 type vxlan id 100 local 10.99.0.2 dstport 4789 nolearning
  ip -n $P-k link add br100 type bridge
  ip -n $P-k link set vx100 master br100
  veth h2 eth0 k k-h2
  ip -n $P-h2 link set eth0 address 02:00:00:00:e2:02
  ip -n $P-h2 addr add 10.50.0.2/24 dev eth0
  ip -n $P-k link set k-h2 master br100
  ip -n $P-k link set vx100 up
  ip -n $P-k link set br100 up

  # gobgpd for rack 1: iBGP AS 65000 with FRR, L2VPN EVPN; its gRPC API on the gateway namespace's loopback.
  cat > "$DIR/gobgpd.toml" <<TOML
[global.config]
  as = 65000
  router-id = "10.99.0.1"
  local-address-list = ["10.99.0.1"]

[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.99.0.2"
    peer-as = 65000
  [neighbors.transport.config]
    local-address = "10.99.0.1"
  [neighbors.timers.config]
    connect-retry = 1
    hold-time = 9
    keepalive-interval = 3
    idle-hold-time-after-reset = 1
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "l2vpn-evpn"
TOML
  ip netns exec $P-gw gobgpd -f "$DIR/gobgpd.toml" --api-hosts 127.0.0.1:50051 --pprof-disable --log-plain \
    > "$DIR/gobgpd.log" 2>&1 &
  echo $! > "$DIR/gobgpd.pid"

  # FRR for rack 2: its automatic route target is 65000:100 for VNI 100.
  cat > "$DIR/frr/zebra.conf" <<CONF
hostname k
log file $DIR/frr/zebra.log
CONF
  cat > "$DIR/frr/bgpd.conf" <<CONF
hostname k
log file $DIR/frr/bgpd.log
router bgp 65000
 bgp router-id 10.99.0.2
 no bgp default ipv4-unicast
 neighbor 10.99.0.1 remote-as 65000
 neighbor 10.99.0.1 timers 3 9
 neighbor 10.99.0.1 timers connect 1
 address-family l2vpn evpn
  neighbor 10.99.0.1 activate
  advertise-all-vni
 exit-address-family
CONF
  chmod 755 "$DIR" "$DIR/frr"; chown -R frr:frr "$DIR/frr"
  for d in zebra bgpd; do
    ip netns exec $P-k /usr/lib/frr/$d -d -P 0 -z "$DIR/frr/zserv.api" --vty_socket "$DIR/frr" \
      -i "$DIR/frr/$d.pid" -f "$DIR/frr/$d.conf"
  done

  # Safety: the gateway's namespace has no default route; its peer is on its own link.
  ip -n $P-gw route get 10.99.0.2 | grep -q "dev u0"
  echo "lab up. Run the gateway:"
  echo "  ip netns exec $P-gw java -jar examples/target/vtep4j.jar gateway --local 10.99.0.1 --port trunk0 \\"
  echo "       --untagged 100 --evpn 127.0.0.1:50051"
  echo "Inspect: ip netns exec $P-gw gobgp global rib -a evpn"
  echo "         ip netns exec $P-k vtysh --vty_socket $DIR/frr -c 'show bgp l2vpn evpn'"
  echo "         ip netns exec $P-k bridge fdb show dev vx100"
}

lab_main "$@"
