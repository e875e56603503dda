/*
 * vxgen: a small packet generator for bench/system/run.sh.
 *
 * Sends prebuilt Ethernet frames (from a file written by mkpkts.py) out of one interface through an
 * AF_PACKET socket with sendmmsg(2), round-robin over the frames, optionally paced to a rate, and
 * stops after a duration or a packet count, whichever comes first (both bounded).
 *
 * Why not trafgen: trafgen 0.6.8's fast path (PACKET_TX_RING) exits on the first EAGAIN, which a
 * fast veth peer triggers within milliseconds; its paced slow path (one sendto per packet) tops out
 * near 180 kpps on this machine, below what the kernel device under test forwards.
 *
 * Usage: vxgen IFACE FILE SECONDS [PPS (0 = as fast as possible)] [MAX_PACKETS]
 * File format: records of a 2-byte big-endian length followed by that many bytes.
 * Prints: "sent N packets in S seconds (R pps)".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAX_FRAMES 20000
#define MAX_LEN 2048

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s IFACE FILE SECONDS [PPS] [MAX_PACKETS]\n", argv[0]);
        return 2;
    }
    const char *iface = argv[1];
    double seconds = atof(argv[3]);
    double pps = argc > 4 ? atof(argv[4]) : 0;
    unsigned long long max_packets = argc > 5 ? strtoull(argv[5], NULL, 10) : 1000000000ULL;
    if (seconds <= 0 || seconds > 600) {
        fprintf(stderr, "seconds: %s (expected: >0 and <=600)\n", argv[3]);
        return 2;
    }

    FILE *f = fopen(argv[2], "rb");
    if (!f) { perror(argv[2]); return 1; }
    static unsigned char frames[MAX_FRAMES][MAX_LEN];
    static size_t lens[MAX_FRAMES];
    size_t n = 0;
    unsigned char hdr[2];
    while (n < MAX_FRAMES && fread(hdr, 1, 2, f) == 2) {
        size_t len = ((size_t) hdr[0] << 8) | hdr[1];
        if (len < 14 || len > MAX_LEN || fread(frames[n], 1, len, f) != len) {
            fprintf(stderr, "%s: bad record %zu (length %zu)\n", argv[2], n, len);
            return 1;
        }
        lens[n++] = len;
    }
    fclose(f);
    if (n == 0) { fprintf(stderr, "%s: no frames\n", argv[2]); return 1; }

    int fd = socket(AF_PACKET, SOCK_RAW, 0);  /* protocol 0: send only, receive nothing */
    if (fd < 0) { perror("socket(AF_PACKET)"); return 1; }
    int one = 1;
    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
    int sndbuf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    struct sockaddr_ll addr;
    memset(&addr, 0, sizeof(addr));
    addr.sll_family = AF_PACKET;
    addr.sll_ifindex = if_nametoindex(iface);
    addr.sll_halen = ETH_ALEN;
    if (addr.sll_ifindex == 0) { perror(iface); return 1; }
    if (bind(fd, (struct sockaddr *) &addr, sizeof(addr)) < 0) { perror("bind"); return 1; }

    struct mmsghdr msgs[BATCH];
    struct iovec iovs[BATCH];
    unsigned long long sent = 0;
    size_t next = 0;
    double start = now(), end = start + seconds, t = start;
    unsigned long long errors = 0;
    while (t < end && sent < max_packets) {
        unsigned int batch = BATCH;
        if (max_packets - sent < batch) batch = (unsigned int) (max_packets - sent);
        for (unsigned int i = 0; i < batch; i++) {
            iovs[i].iov_base = frames[next];
            iovs[i].iov_len = lens[next];
            memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
            msgs[i].msg_hdr.msg_iov = &iovs[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            next = next + 1 == n ? 0 : next + 1;
        }
        int r = sendmmsg(fd, msgs, batch, 0);
        if (r < 0) {
            if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) { perror("sendmmsg"); return 1; }
            if (++errors > 1000000) { fprintf(stderr, "too many send errors\n"); return 1; }
            r = 0;
        }
        /* Frames not accepted are simply offered again next round (round-robin position moved on). */
        sent += (unsigned int) r;
        t = now();
        if (pps > 0) {
            double due = start + sent / pps;  /* pace: sleep until this batch is due */
            if (due > t) {
                if (due > end) due = end;
                struct timespec ts = { (time_t) due, (long) ((due - (time_t) due) * 1e9) };
                clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
                t = now();
            }
        }
    }
    double took = now() - start;
    printf("sent %llu packets in %.3f seconds (%.0f pps)\n", sent, took, sent / took);
    close(fd);
    return 0;
}
