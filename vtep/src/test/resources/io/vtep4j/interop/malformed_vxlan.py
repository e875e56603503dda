# Sends malformed (and one well-formed but unexpected) VXLAN packets at a VTEP, N copies of each case.
# Usage: /usr/bin/python3 malformed_vxlan.py DST_IP VNI UNKNOWN_VNI SRC_MAC COUNT
# Prints "CASE name count" per case. VXLAN headers are built by hand (scapy's VXLAN() defaults to the GPE-style
# flags 0x0C); scapy builds the inner frames and sends at layer 3 through the namespace's own route.
import sys
from scapy.all import Ether, Dot1Q, IP, UDP, ICMP, Raw, send, conf

conf.verb = 0
dst, vni, unknown_vni, src_mac, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])


def vxlan(flags, vni_value):
    # RFC 7348 §5: flags(8) reserved(24) VNI(24) reserved(8)
    return bytes([flags, 0, 0, 0]) + (vni_value << 8).to_bytes(4, "big")


inner = bytes(Ether(src=src_mac, dst="ff:ff:ff:ff:ff:ff") / IP(src="10.50.4.66", dst="10.50.4.1") / ICMP())
tagged = bytes(Ether(src=src_mac, dst="ff:ff:ff:ff:ff:ff") / Dot1Q(vlan=7) / IP(src="10.50.4.66", dst="10.50.4.1")
               / ICMP())
cases = [
    ("vxlan-truncated-empty", b""),
    ("vxlan-truncated-half", vxlan(0x08, vni)[:4]),
    ("vxlan-i-flag-not-set", vxlan(0x00, vni) + inner),
    ("vxlan-gpe-unsupported", vxlan(0x0C, vni) + inner),
    ("inner-frame-too-short", vxlan(0x08, vni) + inner[:10]),
    ("inner-vlan-tagged", vxlan(0x08, vni) + tagged),
    ("unknown-vni", vxlan(0x08, unknown_vni) + inner),
]
for name, payload in cases:
    send(IP(dst=dst) / UDP(sport=49999, dport=4789) / Raw(load=payload), count=count)
    print("CASE", name, count, flush=True)
