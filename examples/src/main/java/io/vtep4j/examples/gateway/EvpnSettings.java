package io.vtep4j.examples.gateway;

/**
 * The gateway's EVPN settings ({@code --evpn HOST:PORT}, {@code --evpn-asn N}, {@code --evpn-learn-underlay}).
 * Immutable, thread-safe.
 *
 * @param api GoBGP's gRPC API, {@code HOST:PORT}
 * @param asn the AS number (two or four octets) of the route targets {@code ASN:VNI}; 0 takes gobgpd's own AS
 * @param learnUnderlay whether MACs are also learned from the underlay (off: remote MACs come only from BGP)
 */
record EvpnSettings(String api, long asn, boolean learnUnderlay) {}
