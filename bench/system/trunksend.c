// Per-frame cost of sending small Ethernet frames on a packet socket, two ways: sendmmsg (one message per frame,
// as the gateway's AF_PACKET trunk sends) and a TPACKET_V2 transmit ring flushed by one send() per batch. Both
// bypass the qdisc layer (PACKET_QDISC_BYPASS), as the gateway does. Run by trunksend.sh inside a namespace it
// created, on an interface whose peer is in another such namespace.
//
//   trunksend IFACE mmsg|ring FRAMES   ->   "<method> frames=N failed=F cpu_ns_per_frame=C wall_ns_per_frame=W"
//
// The frames carry EtherType 0x88b5 (local experimental) from and to locally administered MACs, so the receiving
// end drops them as an unknown protocol. CPU time is the process's (user + system, softirq work run inline in its
// system calls included).
#define _GNU_SOURCE
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define FRAME_LEN 64
#define RING_FRAME 2048
#define RING_BLOCK (64 * 1024)
#define RING_BLOCKS 64
#define MAX_FAILURES 1000000L

static double seconds(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static long send_mmsg(int fd, const unsigned char *frame, long frames, long *failed) {
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < BATCH; i++) {
        iov[i].iov_base = (void *) frame;
        iov[i].iov_len = FRAME_LEN;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    long sent = 0;
    while (sent < frames && *failed < MAX_FAILURES) {
        unsigned int n = frames - sent < BATCH ? (unsigned int) (frames - sent) : BATCH;
        int r = sendmmsg(fd, msgs, n, 0);
        if (r > 0) sent += r;
        else (*failed)++;
    }
    return sent;
}

static long send_ring(int fd, const unsigned char *frame, long frames, long *failed) {
    int version = TPACKET_V2;
    if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version) < 0) {
        perror("PACKET_VERSION");
        return -1;
    }
    struct tpacket_req req = {
        .tp_block_size = RING_BLOCK,
        .tp_block_nr = RING_BLOCKS,
        .tp_frame_size = RING_FRAME,
        .tp_frame_nr = RING_BLOCK / RING_FRAME * RING_BLOCKS,
    };
    if (setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof req) < 0) {
        perror("PACKET_TX_RING");
        return -1;
    }
    size_t size = (size_t) req.tp_block_size * req.tp_block_nr;
    unsigned char *ring = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (ring == MAP_FAILED) {
        perror("mmap");
        return -1;
    }
    // without PACKET_TX_HAS_OFF a frame's data starts right after the aligned header
    size_t data = TPACKET2_HDRLEN - sizeof(struct sockaddr_ll);
    unsigned int next = 0;
    long sent = 0, busy = 0;
    while (sent < frames && *failed < MAX_FAILURES && busy < 100 * MAX_FAILURES) {
        int queued = 0;
        while (queued < BATCH && sent + queued < frames) {
            struct tpacket2_hdr *h = (struct tpacket2_hdr *) (ring + (size_t) next * RING_FRAME);
            if (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) != TP_STATUS_AVAILABLE) {
                busy++; // the kernel still holds this slot: send what is queued
                break;
            }
            memcpy((unsigned char *) h + data, frame, FRAME_LEN);
            h->tp_len = FRAME_LEN;
            __atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
            next = (next + 1) % req.tp_frame_nr;
            queued++;
        }
        if (queued == 0) continue;
        if (send(fd, NULL, 0, 0) < 0) (*failed)++;
        sent += queued;
    }
    munmap(ring, size);
    return sent;
}

int main(int argc, char **argv) {
    if (argc != 4 || (strcmp(argv[2], "mmsg") != 0 && strcmp(argv[2], "ring") != 0) || atol(argv[3]) <= 0) {
        fprintf(stderr, "usage: %s IFACE mmsg|ring FRAMES\n", argv[0]);
        return 2;
    }
    long frames = atol(argv[3]);
    unsigned int ifindex = if_nametoindex(argv[1]);
    if (ifindex == 0) {
        perror(argv[1]);
        return 1;
    }
    int fd = socket(AF_PACKET, SOCK_RAW, 0); // protocol 0: sends only, receives nothing
    if (fd < 0) {
        perror("socket");
        return 1;
    }
    int one = 1;
    if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one) < 0) perror("PACKET_QDISC_BYPASS");
    struct sockaddr_ll addr = {.sll_family = AF_PACKET, .sll_ifindex = (int) ifindex};
    if (bind(fd, (struct sockaddr *) &addr, sizeof addr) < 0) {
        perror("bind");
        return 1;
    }
    unsigned char frame[FRAME_LEN] = {0};
    memcpy(frame, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x88\xb5", 14);
    long failed = 0;
    double cpu0 = seconds(CLOCK_PROCESS_CPUTIME_ID), wall0 = seconds(CLOCK_MONOTONIC);
    long sent = strcmp(argv[2], "mmsg") == 0 ? send_mmsg(fd, frame, frames, &failed)
                                             : send_ring(fd, frame, frames, &failed);
    double cpu1 = seconds(CLOCK_PROCESS_CPUTIME_ID), wall1 = seconds(CLOCK_MONOTONIC);
    if (sent <= 0) return 1;
    printf("%s frames=%ld failed=%ld cpu_ns_per_frame=%.0f wall_ns_per_frame=%.0f\n", argv[2], sent, failed,
           (cpu1 - cpu0) * 1e9 / sent, (wall1 - wall0) * 1e9 / sent);
    close(fd);
    return 0;
}
