// The kernel reference of bench/system/gateway.sh: VLAN <-> VNI with a vxlan device and two tc programs
// (this kernel has no 802.1Q sub-interfaces and no VLAN-filtering bridge).
//   trunk ingress: a frame of VLAN VID (the kernel has already moved the tag into skb->vlan_tci) loses its tag
//                  and is redirected to the vxlan device's egress: encapsulated as VNI n.
//   vxlan ingress: a decapsulated frame gets tag VID and is redirected to the trunk's egress.
// TRUNK_IFINDEX, VXLAN_IFINDEX and VID are given with -D when the benchmark compiles this.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

SEC("tc")
int trunk_in(struct __sk_buff *skb) {
    if (!skb->vlan_present || (skb->vlan_tci & 0x0fff) != VID)
        return TC_ACT_SHOT;
    if (bpf_skb_vlan_pop(skb))
        return TC_ACT_SHOT;
    return bpf_redirect(VXLAN_IFINDEX, 0);
}

SEC("tc")
int vxlan_in(struct __sk_buff *skb) {
    if (bpf_skb_vlan_push(skb, bpf_htons(0x8100), VID))
        return TC_ACT_SHOT;
    return bpf_redirect(TRUNK_IFINDEX, 0);
}

char LICENSE[] SEC("license") = "GPL";
