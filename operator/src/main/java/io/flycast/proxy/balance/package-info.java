/**
 * Stage: choosing a backend. Given a route's backends, {@link io.flycast.proxy.balance.Balancer}
 * picks one (zone first, soft/hard concurrency limits, two random choices) over the in-flight
 * counts of a {@link io.flycast.proxy.balance.LoadTracker}; a {@link
 * io.flycast.proxy.balance.Lease} holds one slot until the request or connection ends; when every
 * backend is at its hard limit, {@code CapacityQueue} parks the request until a slot frees.
 *
 * <p>Separate because it is pure policy: it knows routes, backends and counts, but no Netty
 * channel, protocol or other proxy package (PackageRulesTest enforces that), so it is tested and
 * reused (peers report its load) on its own.
 */
package io.flycast.proxy.balance;
