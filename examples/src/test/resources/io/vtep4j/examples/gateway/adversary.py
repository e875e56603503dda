#!/usr/bin/env python3
# Hostile traffic for the gateway's adversarial end-to-end tests, sent from a namespace the test created.
# Plain sockets only (no scapy): raw IPv4 with IP_HDRINCL to choose the outer source, raw IPv6 GRE, AF_PACKET.
# Every loop is bounded by its COUNT argument; the test checks routes before it runs this.
#
#   vxlan DST VNI SRC_MAC DST_MAC COUNT [OUTER_SRC]   VXLAN (port 4789) carrying a 60-byte frame; with OUTER_SRC (a
#                                                     comma-separated list, taken in turn) the outer IPv4 source is
#                                                     forged (raw socket), else a UDP socket is used
#   spoof DST VNI COUNT PPS                           COUNT VXLAN packets, packet i from outer source 10.96.0.0/14 + i
#                                                     and inner source MAC 02:5a:00:00:00:00 + i, paced to PPS
#   udp DST PORT SIZE COUNT                           COUNT UDP datagrams of SIZE payload bytes (0..65507)
#   nvgre6 DST VSID SRC_MAC SIZE COUNT                NVGRE over IPv6 (raw, protocol 47), inner frame of SIZE bytes;
#                                                     the kernel fragments what exceeds the link MTU
#   l2 IFACE KIND COUNT [PPS]                         COUNT frames out of IFACE: stp (BPDU to 01:80:c2:00:00:00),
#                                                     lldp (01:80:c2:00:00:0e), storm (broadcast, ethertype 0x88b5);
#                                                     paced to PPS (a veth peer queues at most 1000 frames per CPU)
import socket
import struct
import sys
import time

VXLAN_PORT = 4789
ETH_P_ALL = 0x0003


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def frame(dst, src, ethertype=0x88B5, size=60):
    head = mac_bytes(dst) + mac_bytes(src) + struct.pack("!H", ethertype)
    return head + bytes(max(0, size - len(head)))


def vxlan(vni, inner):
    return struct.pack("!II", 0x08000000, vni << 8) + inner


def ipv4_udp(src, dst, payload):
    udp = struct.pack("!HHHH", 49152, VXLAN_PORT, 8 + len(payload), 0) + payload  # checksum 0: allowed for VXLAN
    # Total length and header checksum: the kernel fills both in for IP_HDRINCL.
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 0, 0, 0, 64, socket.IPPROTO_UDP, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    return ip + udp


def raw_ipv4():
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    return s


def cmd_vxlan(dst, vni, src_mac, dst_mac, count, outer_src=None):
    packet = vxlan(int(vni), frame(dst_mac, src_mac))
    if outer_src:
        s = raw_ipv4()
        packets = [ipv4_udp(src, dst, packet) for src in outer_src.split(",")]
        for i in range(int(count)):
            s.sendto(packets[i % len(packets)], (dst, 0))
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for _ in range(int(count)):
            s.sendto(packet, (dst, VXLAN_PORT))


def cmd_spoof(dst, vni, count, pps):
    s = raw_ipv4()
    count, pps = int(count), int(pps)
    head = struct.pack("!II", 0x08000000, int(vni) << 8) + mac_bytes("02:5a:ff:ff:ff:fe")
    tail = struct.pack("!H", 0x88B5) + bytes(46)
    start = time.monotonic()
    for i in range(count):
        src = socket.inet_ntoa(struct.pack("!I", (10 << 24 | 96 << 16) + 1 + i))
        inner_src = b"\x02\x5a" + struct.pack("!I", i + 1)
        s.sendto(ipv4_udp(src, dst, head + inner_src + tail), (dst, 0))
        pace(i, pps, start)


def cmd_udp(dst, port, size, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    for _ in range(int(count)):
        s.sendto(bytes(int(size)), (dst, int(port)))


def cmd_nvgre6(dst, vsid, src_mac, size, count):
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 47)
    IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DONT = 23, 0
    s.setsockopt(socket.IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DONT)  # let the kernel fragment
    gre = struct.pack("!HHI", 0x2000, 0x6558, int(vsid) << 8 | 0x01)  # K bit, TEB, VSID + FlowID
    packet = gre + frame("ff:ff:ff:ff:ff:ff", src_mac, size=int(size))
    for _ in range(int(count)):
        s.sendto(packet, (dst, 0))


def pace(i, pps, start):
    """After every 200th packet, sleeps until packet i + 1 is due at pps packets per second."""
    if pps and i % 200 == 199:
        ahead = (i + 1) / pps - (time.monotonic() - start)
        if ahead > 0:
            time.sleep(ahead)


def cmd_l2(iface, kind, count, pps="0"):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    src = ":".join("%02x" % b for b in s.getsockname()[4][:6])
    if kind == "stp":
        # IEEE 802.1D configuration BPDU in an 802.3/LLC frame (length field, DSAP/SSAP 0x42)
        bpdu = b"\x42\x42\x03" + bytes(35)
        data = mac_bytes("01:80:c2:00:00:00") + mac_bytes(src) + struct.pack("!H", len(bpdu)) + bpdu
        data += bytes(max(0, 60 - len(data)))
    elif kind == "lldp":
        data = frame("01:80:c2:00:00:0e", src, ethertype=0x88CC)
    elif kind == "storm":
        data = frame("ff:ff:ff:ff:ff:ff", src)
    else:
        raise SystemExit("unknown kind " + kind)
    pps, start = int(pps), time.monotonic()
    for i in range(int(count)):
        s.send(data)
        pace(i, pps, start)


if __name__ == "__main__":
    commands = {"vxlan": cmd_vxlan, "spoof": cmd_spoof, "udp": cmd_udp, "nvgre6": cmd_nvgre6, "l2": cmd_l2}
    commands[sys.argv[1]](*sys.argv[2:])
