/**
 * The routing table the proxy reads: immutable, versioned snapshots of routes and their backends.
 *
 * <p>This is the FIB of Fly's RIB/FIB split (seed 002): the Kubernetes API is the system of record,
 * the {@link io.flycast.catalog.Catalog} is what the data plane forwards from. Readers take one
 * {@link io.flycast.catalog.CatalogStore#current() snapshot} with a single volatile read and never
 * lock; writers build the next snapshot and publish it with one atomic swap. Nothing in this
 * package knows Kubernetes types.
 */
package io.flycast.catalog;
