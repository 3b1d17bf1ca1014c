/**
 * Flycast address allocation.
 *
 * <p>The Kubernetes API is the lock: every allocated address is a cluster-scoped {@code FlycastIP}
 * object named by the address, and creating it either succeeds (the address is ours) or fails with
 * AlreadyExists (someone else has it). This is KEP-1880's design for ClusterIPs; it holds across
 * operator restarts and replicas, where an in-memory pool (MetalLB's) hands out duplicates.
 *
 * <p>Address layout: for a prefix of /64 or shorter, Flycast addresses live in the {@code /80}
 * {@code <first 64 bits of the prefix>:1::/80}, so {@code fdaa:0:48c8::/48} gives {@code
 * fdaa:0:48c8:0:1::<n>} as Fly's do; the rest of the prefix stays free for other uses (pods'
 * 6PN-style addresses, future subnets). A prefix longer than /64 is used as it is.
 */
package io.flycast.allocation;
