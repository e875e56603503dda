#!/usr/bin/python3
"""Writes the gateway benchmark's trunk-side packet file: N 802.1Q-tagged Ethernet frames, one per source MAC.

Each frame: destination 02:b5:ff:00:00:02 (unknown to the device under test, which sends it to its one flood
target), source 02:b6:00:II:II:II, an 802.1Q tag with the given VID, then IPv4/UDP padded with zeros so that the
whole frame (tag included, FCS not) is LENGTH bytes. Every byte is a constant: the generator does no per-packet work.
File format (as mkpkts.py, read by vxgen.c): per frame a 2-byte big-endian length, then the frame.
Usage: mktagged.py OUT VID LENGTH N_MACS
"""
import struct
import sys


def ipv4_checksum(header):
    total = sum(struct.unpack("!10H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


def frame(vid, length, index):
    head = bytes([0x02, 0xB5, 0xFF, 0x00, 0x00, 0x02]) + bytes([0x02, 0xB6, 0x00]) + index.to_bytes(3, "big")
    head += struct.pack("!HH", 0x8100, vid) + b"\x08\x00"
    ip_len = length - len(head)
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, ip_len, 0, 0x4000, 64, 17, 0,
                               bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])))
    struct.pack_into("!H", ip, 10, ipv4_checksum(bytes(ip)))
    udp = struct.pack("!HHHH", 10000 + (index % 50000), 9, ip_len - 20, 0)
    body = head + bytes(ip) + udp
    return body + bytes(length - len(body))


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: mktagged.py OUT VID LENGTH N_MACS")
    out, vid, length, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    if not 1 <= vid <= 4094 or not 64 <= length <= 2000 or not 1 <= n <= 20000:
        sys.exit("VID 1..4094, LENGTH 64..2000, N_MACS 1..20000")
    with open(out, "wb") as f:
        for i in range(n):
            data = frame(vid, length, i)
            f.write(struct.pack("!H", len(data)) + data)


if __name__ == "__main__":
    main()
