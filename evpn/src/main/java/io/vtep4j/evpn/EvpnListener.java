package io.vtep4j.evpn;

import io.vtep4j.learning.Location;

/**
 * Receives the EVPN agent's events; every method defaults to doing nothing.
 *
 * <p>Threading: called on the agent's own thread. Keep it quick; anything it throws is caught and counted, never
 * propagated into the agent.
 */
public interface EvpnListener {

    /**
     * {@code mac} in {@code vni} moved between this VTEP and others too often (RFC 7432 §15.1) and is frozen at
     * {@code location} for the configured freeze time: the agent stops advertising it and no route moves it.
     */
    default void duplicateMac(int vni, long mac, Location location) {}
}
