package io.vtep4j.evpn;

/**
 * A snapshot of the EVPN agent's state for a status line. Immutable, thread-safe.
 *
 * @param state where the agent is with its GoBGP daemon
 * @param routesIn remote EVPN routes held (imported by a route target of one of our segments)
 * @param routesOut routes we advertise (type 3 per segment, type 2 per local MAC and per address bound to one)
 * @param macsInstalled remote MACs installed in the forwarding table
 * @param floodTargets flood targets installed from type-3 routes, over all segments
 * @param connects successful (re)connections so far
 * @param ignored received paths that were malformed, of another route type or imported by no segment
 * @param refused refusals at a bound, counted each time they happen (a route still refused is counted again when a
 *     re-sync offers it again): routes with a new destination beyond {@link EvpnAgent.Builder#maxRemoteRoutes}, MACs
 *     the forwarding table refused (full, or a group MAC in a route) and flood targets a segment refused
 * @param resyncs full re-syncs with GoBGP's table done (periodic, and after a failed send)
 * @param duplicates MACs found moving too often between VTEPs and frozen (RFC 7432 §15.1)
 * @param lastError the last failure talking to GoBGP, or null
 */
public record EvpnStatus(
        State state,
        int routesIn,
        int routesOut,
        int macsInstalled,
        int floodTargets,
        long connects,
        long ignored,
        long refused,
        long resyncs,
        long duplicates,
        String lastError) {

    /** The agent's connection to its GoBGP daemon. */
    public enum State {
        /** Not connected yet (retrying with backoff); forwarding floods as configured meanwhile. */
        CONNECTING,
        /** Subscribed and reconciled: routes flow both ways. */
        CONNECTED,
        /** The connection was lost; installed routes are kept for the grace period while reconnecting. */
        DISCONNECTED,
        /** Closed; everything we advertised was withdrawn. */
        CLOSED
    }

    /**
     * One line: {@code bgp connected in=12 out=3 macs=10 flood=2}, plus {@code refused=N} and {@code dup=N} when not
     * zero and the last error when not connected.
     */
    @Override
    public String toString() {
        return "bgp " + state.name().toLowerCase(java.util.Locale.ROOT) + " in=" + routesIn + " out=" + routesOut
                + " macs=" + macsInstalled + " flood=" + floodTargets
                + (refused > 0 ? " refused=" + refused : "")
                + (duplicates > 0 ? " dup=" + duplicates : "")
                + (state != State.CONNECTED && lastError != null ? " (" + lastError + ")" : "");
    }
}
