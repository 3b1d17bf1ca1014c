/**
 * The control plane: turns Kubernetes objects into routes.
 *
 * <p>Two halves. {@link io.flycast.control.CatalogSync} runs in every replica: it watches Services,
 * ExposedServices, EndpointSlices and Namespaces and keeps the local catalog in step, so every
 * replica can serve traffic. {@link io.flycast.control.PodNetworks}, also in every replica, watches
 * Pods to tell the proxy and DNS which network a client address is in. The reconcilers run only in
 * the elected leader: they allocate addresses and write what the API should know (annotations,
 * status, Events). Both use the same translators, so what the leader acknowledges as synced is
 * exactly what is routed.
 */
package io.flycast.control;
