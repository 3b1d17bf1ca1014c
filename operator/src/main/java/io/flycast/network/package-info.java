/**
 * Private networks: who may reach a private route, decided from the client's source address.
 *
 * <p>Every route belongs to one network ({@link io.flycast.catalog.RouteSpec#network()}: its {@code
 * spec.network}, its {@code fly.io/network} annotation, or else its namespace). A client belongs to
 * the networks {@link io.flycast.network.ClientNetworks} says (the control plane maps pod IPs to
 * namespaces and namespaces to networks). {@link io.flycast.network.NetworkPolicy} is the pure
 * decision, shared by the proxy (refuse connections and requests) and the DNS responder (hide
 * names). Nothing here knows Kubernetes types, and nothing here blocks: decisions run on event
 * loops, from memory.
 */
package io.flycast.network;
