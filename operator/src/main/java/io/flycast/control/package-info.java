/**
 * The control plane: turns Kubernetes objects into routes. Read the sub-packages in the order of
 * the control flow:
 *
 * <ol>
 *   <li>{@link io.flycast.control.watch}: the caches. {@link io.flycast.control.watch.CatalogSync}
 *       runs in every replica: it watches Services, ExposedServices, EndpointSlices and Namespaces
 *       and keeps the local catalog in step, so every replica can serve traffic. {@link
 *       io.flycast.control.watch.PodNetworks}, also in every replica, watches Pods to tell the
 *       proxy and DNS which network a client address is in.
 *   <li>{@link io.flycast.control.translate}: pure functions from Kubernetes objects to catalog
 *       routes. Both the caches and the reconcilers use the same translators, so what the leader
 *       acknowledges as synced is exactly what is routed.
 *   <li>{@link io.flycast.control.reconcile}: runs only in the elected leader: allocates addresses,
 *       frees leaked ones, and writes what the API should know (annotations, status, Events).
 *   <li>{@link io.flycast.control.leader}: who the leader is, and where the other replicas are.
 * </ol>
 *
 * <p>This package itself holds only the annotation names every stage shares ({@link
 * io.flycast.control.FlycastAnnotations}). Dependencies point one way: translate names no other
 * stage; watch names translate; reconcile names watch, translate and leader; leader names none
 * (PackageRulesTest holds this).
 */
package io.flycast.control;
