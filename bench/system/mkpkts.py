#!/usr/bin/python3
"""Writes the generator's packet file: N static VXLAN packets, one per inner source MAC.

Every byte is a constant (the outer IPv4 checksum is computed here, the outer UDP checksum is 0 as
RFC 7348 §5 allows over IPv4), so the generator (vxgen.c) does no per-packet work.
File format: per packet a 2-byte big-endian length, then the Ethernet frame (no FCS).
Usage: mkpkts.py OUT DST_MAC SRC_MAC SRC_IP DST_IP VNI INNER_LEN N_MACS [INNER_SRC_MAC [INNER_DST_MAC]]
"""
import struct
import sys


def mac(text):
    return bytes(int(x, 16) for x in text.split(":"))


def ip(text):
    return bytes(int(x) for x in text.split("."))


def ipv4_checksum(header):
    total = sum(struct.unpack("!10H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def packet(dst_mac, src_mac, src_ip, dst_ip, vni, inner_len, index, inner_src_mac=None, inner_dst_mac=None):
    # Inner frame: locally administered unicast source MAC 02:b5:00:II:II:II, fixed destination
    # 02:b5:ff:00:00:01 (unknown to every device under test, so each floods it to its one remote).
    inner_src = bytes([0x02, 0xB5, 0x00]) + index.to_bytes(3, "big")
    if inner_src_mac is not None:  # one fixed inner source, e.g. to teach a device where that MAC lives
        inner_src = mac(inner_src_mac)
    inner_dst = bytes([0x02, 0xB5, 0xFF, 0x00, 0x00, 0x01])
    if inner_dst_mac is not None:  # e.g. broadcast, for a teaching frame every device hands on
        inner_dst = mac(inner_dst_mac)
    inner = inner_dst + inner_src + b"\x08\x00"
    # Inner IPv4/UDP so that flow hashes see something realistic; payload zeros up to inner_len.
    ip_len = inner_len - 14
    inner_ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, ip_len, 0, 0x4000, 64, 17, 0,
                                     bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])))
    struct.pack_into("!H", inner_ip, 10, ipv4_checksum(bytes(inner_ip)))
    inner_udp = struct.pack("!HHHH", 10000 + (index % 50000), 9, ip_len - 20, 0)
    inner += bytes(inner_ip) + inner_udp
    inner += bytes(inner_len - len(inner))
    vxlan = struct.pack("!BBHI", 0x08, 0, 0, vni << 8)  # RFC 7348 §5: I flag set, VNI in bits 8..31
    udp_len = 8 + len(vxlan) + len(inner)
    udp = struct.pack("!HHHH", 49152 + (index % 16384), 4789, udp_len, 0)
    outer_ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0x4000, 64, 17, 0,
                                     ip(src_ip), ip(dst_ip)))
    struct.pack_into("!H", outer_ip, 10, ipv4_checksum(bytes(outer_ip)))
    eth = mac(dst_mac) + mac(src_mac) + b"\x08\x00"
    return eth + bytes(outer_ip) + udp + vxlan + inner


def main():
    out, dst_mac, src_mac, src_ip, dst_ip, vni, inner_len, n = sys.argv[1:9]
    inner_src_mac = sys.argv[9] if len(sys.argv) > 9 else None
    inner_dst_mac = sys.argv[10] if len(sys.argv) > 10 else None
    vni, inner_len, n = int(vni), int(inner_len), int(n)
    if not 60 <= inner_len <= 1500:
        sys.exit(f"inner_len: {inner_len} (expected: 60..1500)")
    with open(out, "wb") as f:
        for i in range(n):
            data = packet(dst_mac, src_mac, src_ip, dst_ip, vni, inner_len, i, inner_src_mac, inner_dst_mac)
            f.write(struct.pack("!H", len(data)) + data)

if __name__ == "__main__":
    main()
