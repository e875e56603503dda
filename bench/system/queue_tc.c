// Harness only, for bench/system/gateway.sh --queues: a tc egress program on the generator's trunk veth that spreads
// the trunk's flows over the veth's transmit queues (and so over the device under test's receive queues). The
// kernel's own transmit hash leaves 802.1Q-tagged frames of every flow on one queue; a NIC's RSS would spread them by
// their inner headers. Flow i (source MAC 02:b6:00:00:00:i, see mktagged.py) goes to queue i mod QUEUES: the program
// sets the skb's hash to the middle of that queue's share of the 32-bit range, which the kernel's queue choice
// (skb_tx_hash) scales to the queue count. QUEUES is given with -D when the benchmark compiles this.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int spread(struct __sk_buff *skb) {
    unsigned char *data = (unsigned char *)(long)skb->data;
    unsigned char *end = (unsigned char *)(long)skb->data_end;
    if (data + 12 > end)
        return TC_ACT_OK;
    __u32 share = 0xffffffffu / QUEUES + 1;
    bpf_set_hash(skb, (data[11] % QUEUES) * share + share / 2);
    return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
