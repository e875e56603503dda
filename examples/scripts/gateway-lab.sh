#!/usr/bin/env bash
# The worked example of examples/GATEWAY.md: a VLAN access switch (Open vSwitch, userspace datapath), two hosts
# on VLANs 100 and 200, and two Linux kernel VXLAN VTEPs for VNIs 10100 and 10200 - all in network namespaces
# named gwlab-*, with no route off the machine. The gateway itself runs in namespace gwlab-gw.
#
#   sudo examples/scripts/gateway-lab.sh up      # build the lab
#   sudo ip netns exec gwlab-gw java -jar examples/target/vtep4j.jar gateway --config examples/scripts/gateway-lab.conf
#   sudo ip netns exec gwlab-h1 ping 10.10.0.2   # VLAN 100 -> VNI 10100
#   sudo examples/scripts/gateway-lab.sh down    # remove everything
set -euo pipefail
# shellcheck source=lab-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lab-lib.sh"

P=gwlab
NAMESPACES=(sw h1 h2 gw k1 k2)
OVS_DIR=/tmp/$P-ovs

down() {
  if [ -d "$OVS_DIR" ]; then
    for pid in "$OVS_DIR"/*.pid; do [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null || true; done
    rm -rf "$OVS_DIR"
  fi
  lab_delete_namespaces
}

up() {
  down
  lab_create_namespaces

  # Hosts on access ports of the VLAN switch; the trunk goes to the gateway's namespace.
  veth h1 eth0 sw sw-h1
  veth h2 eth0 sw sw-h2
  veth gw trunk0 sw sw-trunk
  ip -n $P-h1 addr add 10.10.0.1/24 dev eth0
  ip -n $P-h2 addr add 10.20.0.1/24 dev eth0

  # Open vSwitch, userspace datapath, private to this lab (its own database and run directory).
  mkdir -p "$OVS_DIR"
  export OVS_RUNDIR=$OVS_DIR OVS_LOGDIR=$OVS_DIR OVS_DBDIR=$OVS_DIR
  ovsdb-tool create "$OVS_DIR/conf.db" /usr/share/openvswitch/vswitch.ovsschema
  ip netns exec $P-sw ovsdb-server "$OVS_DIR/conf.db" --remote="punix:$OVS_DIR/db.sock" \
    --pidfile="$OVS_DIR/ovsdb.pid" --detach --log-file="$OVS_DIR/ovsdb.log"
  V="ip netns exec $P-sw ovs-vsctl --timeout=10 --db=unix:$OVS_DIR/db.sock"
  $V --no-wait init
  ip netns exec $P-sw ovs-vswitchd "unix:$OVS_DIR/db.sock" --pidfile="$OVS_DIR/vswitchd.pid" --detach \
    --log-file="$OVS_DIR/vswitchd.log"
  $V add-br br-vlan -- set bridge br-vlan datapath_type=netdev
  $V add-port br-vlan sw-h1 tag=100
  $V add-port br-vlan sw-h2 tag=200
  $V add-port br-vlan sw-trunk trunks=100,200
  ip -n $P-sw link set br-vlan up

  # Underlay: a Linux bridge in the gateway's namespace, one port per kernel VTEP.
  ip -n $P-gw link add br-u type bridge
  ip -n $P-gw addr add 10.99.0.1/24 dev br-u
  ip -n $P-gw link set br-u up
  veth k1 eth0 gw u-k1
  veth k2 eth0 gw u-k2
  ip -n $P-gw link set u-k1 master br-u
  ip -n $P-gw link set u-k2 master br-u
  ip -n $P-k1 addr add 10.99.0.2/24 dev eth0
  ip -n $P-k2 addr add 10.99.0.3/24 dev eth0

  # Kernel VXLAN VTEPs, each with an overlay address on the same subnet as its VLAN's host.
  ip -n $P-k1 link add vx0 type vxlan id 10100 local 10.99.0.2 remote 10.99.0.1 dstport 4789
  ip -n $P-k2 link add vx0 type vxlan id 10200 local 10.99.0.3 remote 10.99.0.1 dstport 4789
  ip -n $P-k1 addr add 10.10.0.2/24 dev vx0
  ip -n $P-k2 addr add 10.20.0.2/24 dev vx0
  ip -n $P-k1 link set vx0 up
  ip -n $P-k2 link set vx0 up

  # Safety: the gateway's namespace has no default route; the peers are on its own bridge.
  ip -n $P-gw route get 10.99.0.2 | grep -q "dev br-u"
  echo "lab up: run the gateway with"
  echo "  ip netns exec $P-gw java -jar examples/target/vtep4j.jar gateway --config examples/scripts/gateway-lab.conf"
}

lab_main "$@"
