/**
 * The Flycast DNS responder: answers {@code .flycast} and {@code .internal} names from the routing
 * table.
 *
 * <p>{@link io.flycast.dns.DnsServer} is the Netty glue (UDP and TCP on one address); {@link
 * io.flycast.dns.FlycastDnsResolver} is the pure logic (question and client in, rcode and records
 * out) and reads one {@link io.flycast.catalog.Catalog} snapshot per query, so answering never
 * blocks on the control plane. Nothing in this package knows Kubernetes types.
 */
package io.flycast.dns;
