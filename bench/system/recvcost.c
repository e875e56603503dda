// The receiving half of recvcost.sh: takes the tunnel packets the generator sends into this namespace, one of two
// ways, for a given time, and counts them.
//
//   recvcost udp ADDRESS SECONDS   a UDP socket on ADDRESS:4789, recvmmsg of up to 64 datagrams per call
//   recvcost ring IFACE SECONDS    a TPACKET_V3 receive ring on IFACE (64 KiB blocks, 1 ms block timeout)
//
// Prints "<method> received=N wakeups=W": the packets taken and the calls that waited for more. Each packet's byte
// 50 is read, as a forwarder would read its headers.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>

#define VECTOR 64
#define BUFFER 2048
#define BLOCK (64 * 1024)
#define BLOCKS 128

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static volatile unsigned char sink;

/* Tells the script, on stderr, that the socket or ring takes packets from now on. */
static void ready(void) {
    fputs("ready\n", stderr);
    fflush(stderr);
}

static int by_socket(const char *address, double seconds) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons(4789)};
    if (fd < 0 || inet_pton(AF_INET, address, &local.sin_addr) != 1
            || bind(fd, (struct sockaddr *) &local, sizeof local) < 0) {
        perror("udp socket");
        return 1;
    }
    int size = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
    struct timeval wait = {0, 200000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    static unsigned char buffers[VECTOR][BUFFER];
    struct mmsghdr msgs[VECTOR];
    struct iovec iov[VECTOR];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < VECTOR; i++) {
        iov[i].iov_base = buffers[i];
        iov[i].iov_len = BUFFER;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    long received = 0, calls = 0;
    ready();
    double end = now() + seconds;
    while (now() < end) {
        int n = recvmmsg(fd, msgs, VECTOR, MSG_WAITFORONE, NULL);
        calls++;
        for (int i = 0; i < n; i++) sink ^= buffers[i][50];
        if (n > 0) received += n;
    }
    printf("udp received=%ld wakeups=%ld\n", received, calls);
    return 0;
}

static int by_ring(const char *iface, double seconds) {
    int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
    int version = TPACKET_V3;
    struct tpacket_req3 req = {
        .tp_block_size = BLOCK,
        .tp_block_nr = BLOCKS,
        .tp_frame_size = BUFFER,
        .tp_frame_nr = BLOCK / BUFFER * BLOCKS,
        .tp_retire_blk_tov = 1,
    };
    if (fd < 0 || setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version) < 0
            || setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req) < 0) {
        perror("packet ring");
        return 1;
    }
    unsigned char *ring = mmap(NULL, (size_t) BLOCK * BLOCKS, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    struct sockaddr_ll local = {
        .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = (int) if_nametoindex(iface)};
    if (ring == MAP_FAILED || bind(fd, (struct sockaddr *) &local, sizeof local) < 0) {
        perror("packet ring");
        return 1;
    }
    long received = 0, polls = 0;
    unsigned int block = 0;
    ready();
    double end = now() + seconds;
    while (now() < end) {
        struct tpacket_block_desc *desc = (struct tpacket_block_desc *) (ring + (size_t) block * BLOCK);
        if (!(__atomic_load_n(&desc->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER)) {
            struct pollfd p = {.fd = fd, .events = POLLIN};
            poll(&p, 1, 200);
            polls++;
            continue;
        }
        struct tpacket3_hdr *frame = (struct tpacket3_hdr *) ((unsigned char *) desc + desc->hdr.bh1.offset_to_first_pkt);
        for (unsigned int i = 0; i < desc->hdr.bh1.num_pkts; i++) {
            sink ^= ((unsigned char *) frame)[frame->tp_mac + 50];
            received++;
            frame = (struct tpacket3_hdr *) ((unsigned char *) frame + frame->tp_next_offset);
        }
        __atomic_store_n(&desc->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
        block = (block + 1) % BLOCKS;
    }
    printf("ring received=%ld wakeups=%ld\n", received, polls);
    return 0;
}

int main(int argc, char **argv) {
    double seconds = argc == 4 ? atof(argv[3]) : 0;
    if (argc != 4 || seconds <= 0 || seconds > 600) {
        fprintf(stderr, "usage: %s udp ADDRESS SECONDS | ring IFACE SECONDS (seconds: >0, <=600)\n", argv[0]);
        return 2;
    }
    if (strcmp(argv[1], "udp") == 0) return by_socket(argv[2], seconds);
    if (strcmp(argv[1], "ring") == 0) return by_ring(argv[2], seconds);
    fprintf(stderr, "method: %s (expected: udp or ring)\n", argv[1]);
    return 2;
}
