/**
 * Kubernetes objects to catalog routes: {@link io.flycast.control.translate.ServiceTranslator},
 * {@link io.flycast.control.translate.ExposedServiceTranslator} and {@link
 * io.flycast.control.translate.EndpointSliceTranslator} produce a {@link
 * io.flycast.control.translate.Translation}; the rules they apply (which Services are managed,
 * annotations, scale targets, TLS certificates from Secrets and which namespaces Secrets may come
 * from) live beside them.
 *
 * <p>Separate because it is the shared middle of the control plane: the caches apply translations
 * and the leader's reconcilers acknowledge them, so both must see the same function. It holds no
 * informer and writes nothing to the API, so it names no other control stage (the Secret lookup it
 * needs is passed in as a function) and is unit-tested on plain objects.
 */
package io.flycast.control.translate;
