// recvcost.sh's tc ingress program: drops IPv4 UDP datagrams to port 4789, so that a receive ring can take them
// before the IP layer without the kernel also delivering (or answering) them. Everything else passes.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int drop_vxlan(struct __sk_buff *skb) {
    void *data = (void *) (long) skb->data, *end = (void *) (long) skb->data_end;
    struct ethhdr *eth = data;
    if ((void *) (eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
        return TC_ACT_OK;
    struct iphdr *ip = (void *) (eth + 1);
    if ((void *) (ip + 1) > end || ip->ihl != 5 || ip->protocol != IPPROTO_UDP)
        return TC_ACT_OK;
    struct udphdr *udp = (void *) (ip + 1);
    if ((void *) (udp + 1) > end)
        return TC_ACT_OK;
    return udp->dest == bpf_htons(4789) ? TC_ACT_SHOT : TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
