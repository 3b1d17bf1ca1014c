/**
 * The caches the catalog is built from, in every replica: informers on Services, ExposedServices,
 * EndpointSlices, Namespaces, Pods and TLS Secrets ({@link io.flycast.control.watch.CatalogSync},
 * {@link io.flycast.control.watch.PodNetworks}, {@link
 * io.flycast.control.watch.TlsSecretInformers}), and the trigger that hands their changes to the
 * reconcilers ({@link io.flycast.control.watch.CatalogTrigger}).
 *
 * <p>Separate because it is the only stage that holds state read from the API and the only one that
 * runs in every replica: it applies translations to the local catalog, and the reconcilers read its
 * caches rather than the API. It uses the translators and nothing of reconcile or leader.
 */
package io.flycast.control.watch;
