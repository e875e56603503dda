/*
 * vxgen: a small packet generator for bench/system/run.sh and gateway.sh.
 *
 * Sends prebuilt Ethernet frames (from a file written by mkpkts.py or mktagged.py) out of one interface through an
 * AF_PACKET socket that bypasses the qdisc (PACKET_QDISC_BYPASS), round-robin over the frames, optionally paced to
 * a rate, and stops after a duration or a packet count, whichever comes first (both bounded).
 *
 * Method (default): a transmit ring (PACKET_TX_RING, TPACKET_V2) mapped into the process. Each round copies up to
 * 1024 frames into free slots, marks them TP_STATUS_SEND_REQUEST and hands them over with one send(MSG_DONTWAIT);
 * the kernel builds and transmits one skb per slot, in ring order, and stops at the first one the device refuses.
 * After the call a slot that is no longer SEND_REQUEST was accepted by the device and is counted as sent; the
 * slots still marked were not, and go out with the next call (nothing sends them in between). A slot is reused
 * once the kernel has freed its skb and marked it TP_STATUS_AVAILABLE again, which may happen later, on the CPU
 * that received the frame. Every slot carries a virtio-net header (PACKET_VNET_HDR) whose hdr_len spans the whole
 * frame: the kernel then copies the frame into the skb's linear data, as sendmsg(2) does, and the receiver gets
 * the same skb as before; without it the frame would hang off the skb as a fragment of the ring's pages, which a
 * veth copies once more (slower, and a different skb for the device under test).
 * The send's errors, none of them fatal:
 *   ENOBUFS  the device dropped the frame at the head (a veth whose peer's receive backlog is full): that offer
 *            is counted as sent and lost (see "Refused frames" below); the kernel keeps the slot at the head, so
 *            the same frame is offered again with the next call
 *   EAGAIN   the send buffer is taken by skbs in flight: poll(POLLOUT) for at most 10 ms (never past the end)
 *            and go on. trafgen 0.6.8, whose fast path is the same kind of ring, exits on the first EAGAIN, which
 *            a fast veth peer triggers within milliseconds; its paced path (one sendto per packet) tops out near
 *            180 kpps on this machine.
 * When every slot is in flight the generator sleeps 20 us and looks again. At the end frames still marked
 * SEND_REQUEST are not counted; frames in flight are (the device took them); then it waits, at most 1 s and
 * outside the measured time, until the kernel has freed them.
 * VXGEN_QDISC=1 sends through the device's queueing layer instead of past it: the kernel then picks each frame's
 * transmit queue by the frame's flow hash, so that frames of several flows spread over a multi-queue veth's queues
 * (and over its peer's receive queues), as RSS spreads them on a NIC. Past the qdisc the queue follows the sending
 * CPU, which is always the same one here.
 * VXGEN_SEND=mmsg selects the former method, sendmmsg(2) of 64 frames per call on the same kind of socket (also
 * used, with a line on stderr, where the ring cannot be set up): the kernel's work per frame is the same plus
 * copying in and checking a message header and an iovec; on this machine (2 vCPUs, veth peers) it reached about
 * two thirds of the ring's rate with the receiver on the other CPU, 80-90 % with the receiver on the generator's
 * CPU.
 *
 * Refused frames. A veth whose peer cannot take more (its CPU's input backlog full, net.core.netdev_max_backlog)
 * drops the frame in the sender's transmit call and the call fails with ENOBUFS. That is the device under test's
 * input queue overflowing, as a NIC's receive ring would on a real link, so such a frame is offered and lost: it is
 * counted in "sent" (and in "refused", printed after). Counting only the frames the device accepted would hide
 * every loss at that queue: a device that keeps its backlog full would look loss-free at whatever rate it takes.
 * With sendmmsg the call stops at the refused frame; it counts once, and the frames after it in that call are not
 * offered. "sent" means the same for both methods: frames offered to the device, accepted or refused.
 * Either way the kernel frees each skb where the receiver is done with it and runs the socket's destructor there:
 * sock_wfree for sendmmsg; for the ring also the slot's status and the ring's count of frames in flight, cache
 * lines the generator's CPU keeps writing. A device under test that frees the frames on its own CPU pays for that:
 * roughly 0.05-0.1 us more per frame here.
 *
 * Pacing (PPS > 0): after each round (at most 64 frames outstanding) sleep until the count sent so far is due.
 *
 * Usage: vxgen IFACE FILE SECONDS [PPS (0 = as fast as possible)] [MAX_PACKETS]
 *        environment: VXGEN_SEND=ring (default) or mmsg
 * File format: records of a 2-byte big-endian length followed by that many bytes.
 * Prints: "sent N packets in S seconds (R pps); refused by the device: M (counted in sent)".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MMSG_BATCH 64     /* sendmmsg: frames per call */
#define PACED_BATCH 64    /* frames per round when paced (both methods) */
#define RING_BATCH 1024   /* ring: frames per send() when not paced */
#ifndef RING_FRAMES
#define RING_FRAMES 4096  /* ring slots (a test build may make it small to see the ring fill up) */
#endif
#ifndef BLOCK_SIZE
#define BLOCK_SIZE (1 << 16)  /* ring block: 64 KiB holds at least 31 slots of the largest frame */
#endif
#ifndef SNDBUF
#define SNDBUF (4 << 20)  /* send buffer (as SO_SNDBUF; a test build may make it small to see EAGAIN) */
#endif
#define MAX_FRAMES 20000
#define MAX_LEN 2048

static unsigned char frames[MAX_FRAMES][MAX_LEN];
static size_t lens[MAX_FRAMES];
static size_t n_frames;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_until(double due) {
    struct timespec ts = { (time_t) due, (long) ((due - (time_t) due) * 1e9) };
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/* Pacing, shared by both methods: sleeps until `sent` frames are due (never past the end); returns the time. */
static double pace(double t, double start, double end, double pps, unsigned long long sent) {
    if (pps <= 0) return t;
    double due = start + sent / pps;
    if (due <= t) return t;
    sleep_until(due > end ? end : due);
    return now();
}

static int load(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); return -1; }
    unsigned char hdr[2];
    while (n_frames < MAX_FRAMES && fread(hdr, 1, 2, f) == 2) {
        size_t len = ((size_t) hdr[0] << 8) | hdr[1];
        if (len < 14 || len > MAX_LEN || fread(frames[n_frames], 1, len, f) != len) {
            fprintf(stderr, "%s: bad record %zu (length %zu)\n", path, n_frames, len);
            fclose(f);
            return -1;
        }
        lens[n_frames++] = len;
    }
    fclose(f);
    if (n_frames == 0) { fprintf(stderr, "%s: no frames\n", path); return -1; }
    return 0;
}

/*
 * The kernel's own length check for sendmsg on a packet socket (MTU plus the Ethernet header, plus 4 for an
 * 802.1Q-tagged frame), done once up front: with a virtio-net header the ring path skips it.
 */
static int check_mtu(int fd, const char *iface) {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", iface);
    if (ioctl(fd, SIOCGIFMTU, &ifr) < 0) { perror("SIOCGIFMTU"); return -1; }
    for (size_t i = 0; i < n_frames; i++) {
        size_t limit = (size_t) ifr.ifr_mtu + ETH_HLEN;
        if (frames[i][12] == 0x81 && frames[i][13] == 0x00) limit += 4;
        if (lens[i] > limit) {
            fprintf(stderr, "frame %zu: %zu bytes, more than %s takes (MTU %d: at most %zu)\n", i, lens[i], iface,
                    ifr.ifr_mtu, limit);
            return -1;
        }
    }
    return 0;
}

/* Frames the device refused (ENOBUFS): offered, and lost at the device's input. Counted in the "sent" figure. */
static unsigned long long refused;

static unsigned long long send_mmsg(int fd, double start, double end, double pps, unsigned long long max_packets) {
    struct mmsghdr msgs[MMSG_BATCH];
    struct iovec iovs[MMSG_BATCH];
    unsigned long long sent = 0, errors = 0;
    size_t next = 0;
    double t = start;
    while (t < end && sent < max_packets) {
        unsigned int batch = MMSG_BATCH;
        if (max_packets - sent < batch) batch = (unsigned int) (max_packets - sent);
        for (unsigned int i = 0; i < batch; i++) {
            iovs[i].iov_base = frames[next];
            iovs[i].iov_len = lens[next];
            memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
            msgs[i].msg_hdr.msg_iov = &iovs[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            next = next + 1 == n_frames ? 0 : next + 1;
        }
        int r = sendmmsg(fd, msgs, batch, 0);
        int lost = 0;
        if (r < 0) {
            if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) { perror("sendmmsg"); exit(1); }
            if (++errors > 1000000) { fprintf(stderr, "too many send errors\n"); exit(1); }
            lost = errno == ENOBUFS;
            r = 0;
        } else if ((unsigned int) r < batch) {
            lost = 1;  /* the call stopped at a frame the device refused (a blocking socket does not stop otherwise) */
        }
        /* The refused frame counts as offered and lost; the frames after it were not offered (the round-robin
           position moves on past them all). */
        refused += (unsigned int) lost;
        sent += (unsigned int) r + (unsigned int) lost;
        t = pace(now(), start, end, pps, sent);
    }
    return sent;
}

/* One ring slot: the TPACKET_V2 header, then (at the data offset) the virtio-net header and the frame. */
#define SLOT_DATA TPACKET_ALIGN(sizeof(struct tpacket2_hdr))
#define SLOT_FRAME (SLOT_DATA + sizeof(struct virtio_net_hdr))

struct ring {
    unsigned char *base;
    size_t map_len, block_size, frame_size, per_block;
};

static struct tpacket2_hdr *slot(const struct ring *r, unsigned int i) {
    return (struct tpacket2_hdr *) (r->base + (i / r->per_block) * r->block_size + (i % r->per_block) * r->frame_size);
}
static unsigned int status_of(struct tpacket2_hdr *h) { return __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE); }

static int ring_setup(int fd, struct ring *r) {
    int v = TPACKET_V2, one = 1;
    if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) < 0) { perror("PACKET_VERSION"); return -1; }
    if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0) { perror("PACKET_VNET_HDR"); return -1; }
    size_t max_len = 0;
    for (size_t i = 0; i < n_frames; i++) if (lens[i] > max_len) max_len = lens[i];
    r->frame_size = TPACKET_ALIGN(SLOT_FRAME + max_len);
    r->block_size = BLOCK_SIZE;
    r->per_block = r->block_size / r->frame_size;
    struct tpacket_req req = {
        .tp_block_size = (unsigned int) r->block_size,
        .tp_block_nr = (unsigned int) ((RING_FRAMES + r->per_block - 1) / r->per_block),
        .tp_frame_size = (unsigned int) r->frame_size,
    };
    req.tp_frame_nr = req.tp_block_nr * (unsigned int) r->per_block;
    if (setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof(req)) < 0) { perror("PACKET_TX_RING"); return -1; }
    r->map_len = (size_t) req.tp_block_nr * r->block_size;
    r->base = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
    if (r->base == MAP_FAILED) { perror("mmap(PACKET_TX_RING)"); return -1; }
    return (int) req.tp_frame_nr;
}

static struct ring r;
static int slots;

static unsigned long long send_ring(int fd, double start, double end, double pps, unsigned long long max_packets) {
    unsigned int head = 0;       /* next slot to fill */
    unsigned int taken = 0;      /* first slot handed over but not yet taken by the kernel */
    unsigned int waiting = 0;    /* slots from `taken` to `head`: marked SEND_REQUEST */
    unsigned long long sent = 0;
    size_t next = 0;
    double t = start;
    while (t < end && sent < max_packets) {
        /* Top up to one batch handed over and not yet taken, never past MAX_PACKETS in all. */
        unsigned int batch = pps > 0 ? PACED_BATCH : RING_BATCH;
        unsigned long long room = max_packets > sent + waiting ? max_packets - sent - waiting : 0;
        unsigned int want = batch > waiting ? batch - waiting : 0;
        if (room < want) want = (unsigned int) room;
        unsigned int filled = 0;
        for (; filled < want && waiting < (unsigned int) slots; filled++) {
            struct tpacket2_hdr *h = slot(&r, head);
            if (status_of(h) != TP_STATUS_AVAILABLE) break;  /* still in flight */
            struct virtio_net_hdr *vh = (struct virtio_net_hdr *) ((unsigned char *) h + SLOT_DATA);
            memset(vh, 0, sizeof(*vh));
            vh->hdr_len = (uint16_t) lens[next];  /* copy it all into the skb's linear part */
            memcpy((unsigned char *) h + SLOT_FRAME, frames[next], lens[next]);
            h->tp_len = (unsigned int) (sizeof(*vh) + lens[next]);
            __atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
            next = next + 1 == n_frames ? 0 : next + 1;
            head = head + 1 == (unsigned int) slots ? 0 : head + 1;
            waiting++;
        }
        int err = 0;
        if (waiting > 0 && send(fd, NULL, 0, MSG_DONTWAIT) < 0) err = errno;
        if (err == ENOBUFS && sent < max_packets) {  /* the device dropped the frame at the head: one offer lost */
            refused++;
            sent++;
        }
        while (waiting > 0) {  /* count what the kernel took, in ring order */
            unsigned int s = status_of(slot(&r, taken));
            if (s & TP_STATUS_SEND_REQUEST) break;
            if (s & TP_STATUS_WRONG_FORMAT) { fprintf(stderr, "slot %u: wrong format\n", taken); exit(1); }
            taken = taken + 1 == (unsigned int) slots ? 0 : taken + 1;
            waiting--;
            sent++;
        }
        t = now();
        if (err == EAGAIN) {  /* send buffer full: wait until skbs in flight are freed */
            int ms = (int) ((end - t) * 1000) + 1;
            struct pollfd p = { .fd = fd, .events = POLLOUT };
            if (poll(&p, 1, ms > 10 ? 10 : ms) < 0 && errno != EINTR) { perror("poll"); exit(1); }
            t = now();
        } else if (err != 0 && err != ENOBUFS && err != EINTR) {
            errno = err;
            perror("send(PACKET_TX_RING)");
            exit(1);
        } else if (filled == 0 && waiting == 0) {  /* every slot in flight: give the receiver a moment */
            double due = t + 20e-6;
            sleep_until(due > end ? end : due);
            t = now();
        }
        t = pace(t, start, end, pps, sent);
    }
    return sent;
}

/* After the run: wait (at most 1 s) until the kernel has freed every skb made from the ring, then unmap. */
static void ring_drain(void) {
    for (int round = 0; round < 1000; round++) {
        int busy = 0;
        for (int i = 0; i < slots && !busy; i++) busy = status_of(slot(&r, (unsigned int) i)) & TP_STATUS_SENDING;
        if (!busy) break;
        sleep_until(now() + 1e-3);
    }
    munmap(r.base, r.map_len);
}

/*
 * An AF_PACKET socket bound to IFACE that bypasses the qdisc (not with VXGEN_QDISC=1); -1 (after saying why) if
 * there is none.
 */
static int open_socket(const char *iface) {
    int fd = socket(AF_PACKET, SOCK_RAW, 0);  /* protocol 0: send only, receive nothing */
    if (fd < 0) { perror("socket(AF_PACKET)"); return -1; }
    int one = 1;
    const char *qdisc = getenv("VXGEN_QDISC");
    if (!(qdisc && strcmp(qdisc, "1") == 0)) setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
    int sndbuf = SNDBUF;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    struct sockaddr_ll addr;
    memset(&addr, 0, sizeof(addr));
    addr.sll_family = AF_PACKET;
    addr.sll_ifindex = if_nametoindex(iface);
    addr.sll_halen = ETH_ALEN;
    if (addr.sll_ifindex == 0) { perror(iface); close(fd); return -1; }
    if (bind(fd, (struct sockaddr *) &addr, sizeof(addr)) < 0) { perror("bind"); close(fd); return -1; }
    return fd;
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
    const char *method = getenv("VXGEN_SEND");
    int ring = !method || !*method || strcmp(method, "ring") == 0;
    if (!ring && strcmp(method, "mmsg") != 0) {
        fprintf(stderr, "VXGEN_SEND=%s (expected: ring or mmsg)\n", method);
        return 2;
    }
    if (load(argv[2]) < 0) return 1;

    int fd = open_socket(iface);
    if (fd < 0 || check_mtu(fd, iface) < 0) return 1;
    if (ring && (slots = ring_setup(fd, &r)) < 0) {
        fprintf(stderr, "vxgen: no transmit ring, sending with sendmmsg instead\n");
        close(fd);
        ring = 0;
        if ((fd = open_socket(iface)) < 0) return 1;
    }

    double start = now(), end = start + seconds;
    unsigned long long sent = ring ? send_ring(fd, start, end, pps, max_packets)
                                   : send_mmsg(fd, start, end, pps, max_packets);
    double took = now() - start;
    if (ring) ring_drain();
    printf("sent %llu packets in %.3f seconds (%.0f pps); refused by the device: %llu (counted in sent)\n", sent,
           took, sent / took, refused);
    close(fd);
    return 0;
}
