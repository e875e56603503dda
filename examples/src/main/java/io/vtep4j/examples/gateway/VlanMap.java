package io.vtep4j.examples.gateway;

import io.vtep4j.encap.Vni;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The gateway's one-to-one map between 802.1Q VLAN ids on the trunk and VNIs in the overlay, plus the optional
 * VNI of the trunk's untagged frames.
 *
 * <p>Immutable and thread-safe once built; {@link #vlanOf} allocates nothing. Built with
 * {@link Builder}, which rejects every ambiguity with a {@link ConfigException} naming it.
 */
public final class VlanMap {
    /** IEEE 802.1Q: VID 0 means "priority tag only" and 4095 is reserved, so usable VLANs are 1..4094. */
    public static final int MIN_VLAN = 1;

    public static final int MAX_VLAN = 4094;
    /** A 24-bit VNI (RFC 7348 §5) or VSID (RFC 7637 §3.2). */
    public static final int MAX_VNI = Vni.MAX;
    /** Returned by lookups that find nothing. */
    public static final int NONE = -1;
    /** {@link #vlanOf(int)} answer for the VNI mapped to untagged frames. */
    public static final int UNTAGGED = 0;

    private final Map<Integer, Integer> vlanByVni;
    private final int untaggedVni;

    private VlanMap(Map<Integer, Integer> vlanByVni, int untaggedVni) {
        this.vlanByVni = vlanByVni;
        this.untaggedVni = untaggedVni;
    }

    /** A new, empty builder; not thread-safe. */
    public static Builder builder() {
        return new Builder();
    }

    /** The VNI of untagged frames, or {@link #NONE}. */
    public int untaggedVni() {
        return untaggedVni;
    }

    /** The VLAN of {@code vni}: 1..4094, {@link #UNTAGGED}, or {@link #NONE} if the VNI is not mapped. */
    public int vlanOf(int vni) {
        Integer vlan = vlanByVni.get(vni);
        return vlan == null ? NONE : vlan;
    }

    /** Every mapped VNI to its VLAN ({@link #UNTAGGED} for untagged), in VNI order; unmodifiable. */
    public Map<Integer, Integer> byVni() {
        return vlanByVni;
    }

    /** True if nothing is mapped. */
    public boolean isEmpty() {
        return vlanByVni.isEmpty();
    }

    /** Human text: {@code vlan 100 <-> vni 10100, untagged <-> vni 10300}. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        vlanByVni.forEach((vni, vlan) -> out.append(out.length() == 0 ? "" : ", ")
                .append(vlan == UNTAGGED ? "untagged" : "vlan " + vlan)
                .append(" <-> vni ")
                .append(vni));
        return out.toString();
    }

    /** Collects mappings, checking each as it comes; not thread-safe. */
    public static final class Builder {
        private final int[] vniByVlan = new int[MAX_VLAN + 1];
        private final Map<Integer, Integer> vlanByVni = new TreeMap<>();
        private int untaggedVni = NONE;

        private Builder() {
            Arrays.fill(vniByVlan, NONE);
        }

        /** Maps tagged VLAN {@code vlan} to {@code vni}; a VLAN or VNI already mapped is a configuration error. */
        public Builder map(int vlan, int vni) {
            if (vlan < MIN_VLAN || vlan > MAX_VLAN) {
                throw new ConfigException("VLAN " + vlan + " is outside " + MIN_VLAN + ".." + MAX_VLAN);
            }
            checkVni(vni);
            if (vniByVlan[vlan] != NONE) {
                throw new ConfigException(
                        "VLAN " + vlan + " is mapped twice (to VNI " + vniByVlan[vlan] + " and VNI " + vni + ")");
            }
            claim(vni, vlan);
            vniByVlan[vlan] = vni;
            return this;
        }

        /** Maps the trunk's untagged frames to {@code vni}. */
        public Builder untagged(int vni) {
            checkVni(vni);
            if (untaggedVni != NONE) {
                throw new ConfigException(
                        "untagged frames are mapped twice (to VNI " + untaggedVni + " and VNI " + vni + ")");
            }
            claim(vni, UNTAGGED);
            untaggedVni = vni;
            return this;
        }

        private void claim(int vni, int vlan) {
            Integer other = vlanByVni.putIfAbsent(vni, vlan);
            if (other != null) {
                throw new ConfigException(
                        "VNI " + vni + " is mapped twice (" + name(other) + " and " + name(vlan) + ")");
            }
        }

        private static String name(int vlan) {
            return vlan == UNTAGGED ? "untagged" : "VLAN " + vlan;
        }

        /** The map; the builder may go on being used for another. */
        public VlanMap build() {
            return new VlanMap(Collections.unmodifiableMap(new TreeMap<>(vlanByVni)), untaggedVni);
        }
    }

    /** Throws a {@link ConfigException} unless {@code vni} is 0..16777215. */
    static int checkVni(int vni) {
        if (!Vni.isValid(vni)) {
            throw new ConfigException("VNI " + vni + " is outside 0.." + MAX_VNI);
        }
        return vni;
    }
}
