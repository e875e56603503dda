package io.vtep4j.internal;

import io.vtep4j.encap.Encapsulation;
import io.vtep4j.internal.xdp.XdpUnderlay;
import java.lang.reflect.InvocationTargetException;

/** Creates the {@link Underlay} for an encapsulation. Stateless, thread-safe. */
public final class Underlays {

    /** The raw IP protocol 47 transport, found by name so the engine does not depend on it. */
    static final String RAW_GRE_CLASS = "io.vtep4j.internal.raw.RawGreUnderlay";

    private Underlays() {}

    /**
     * VXLAN and GRE_UDP: {@link UdpUnderlay}, or {@link XdpUnderlay} where {@link UnderlayConfig#afXdp()} asks; NVGRE: {@code io.vtep4j.internal.raw.RawGreUnderlay(UnderlayConfig)}.
     *
     * @throws IllegalStateException if the NVGRE transport is not on the class path or cannot be constructed
     */
    public static Underlay create(Encapsulation encapsulation, UnderlayConfig config) {
        if (encapsulation != Encapsulation.NVGRE) {
            return config.afXdp() ? new XdpUnderlay(config) : new UdpUnderlay(config);
        }
        try {
            Class<?> type = Class.forName(RAW_GRE_CLASS);
            return (Underlay) type.getConstructor(UnderlayConfig.class).newInstance(config);
        } catch (ClassNotFoundException | NoSuchMethodException | InstantiationException | IllegalAccessException e) {
            throw new IllegalStateException(
                    "encapsulation: NVGRE (raw GRE transport " + RAW_GRE_CLASS + " not available: " + e + ")", e);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            throw new IllegalStateException("encapsulation: NVGRE (" + cause + ")", cause);
        }
    }
}
