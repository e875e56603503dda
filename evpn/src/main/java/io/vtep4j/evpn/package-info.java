/**
 * BGP EVPN for vtep4j (RFC 7432, RFC 8365) through GoBGP's gRPC API: {@link io.vtep4j.evpn.EvpnAgent} advertises a
 * VTEP's segments (route type 3) and local MACs (route type 2) and installs other VTEPs' flood targets and MACs.
 *
 * <p>The gRPC classes (package {@code io.vtep4j.evpn.internal.gobgp}) are generated at build time from this module's own subset of
 * GoBGP's v3 API schema ({@code src/main/proto/gobgp.proto}); they are an implementation detail, not API.
 */
package io.vtep4j.evpn;
