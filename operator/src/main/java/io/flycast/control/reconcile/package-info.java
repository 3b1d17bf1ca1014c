/**
 * Writes back to the API, in the elected leader only: {@link
 * io.flycast.control.reconcile.ServiceReconciler} and {@link
 * io.flycast.control.reconcile.ExposedServiceReconciler} allocate addresses ({@link
 * io.flycast.control.reconcile.AddressAssigner}) and record them, status conditions and Events;
 * {@link io.flycast.control.reconcile.CachedAddressHolders} tells the allocator's repair loop
 * ({@link io.flycast.allocation.AddressRepair}) which owners still hold their addresses.
 *
 * <p>Separate because it is the only stage with side effects on the cluster. It reads the caches
 * ({@link io.flycast.control.watch}) and the translators, never the API directly for what they
 * hold, and asks {@link io.flycast.control.leader} whether it may act.
 */
package io.flycast.control.reconcile;
