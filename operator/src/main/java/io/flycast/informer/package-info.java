/**
 * What the informers keep: every replica watches every Pod, Service and EndpointSlice of the
 * cluster, and Fabric8 caches each as the full object the API sent (a Pod of a Deployment is about
 * 25 KB on the heap, most of it {@code managedFields}, the container spec and status that routing
 * never reads). At 100,000 Pods that is gigabytes per replica.
 *
 * <p>So each informer is given an {@link io.fabric8.kubernetes.client.informers.cache.ItemStore}
 * that keeps a trimmed object ({@link TrimmedItemStore} with a {@link Trim}), or for Pods a few
 * fields ({@link PodItemStore}), and lists in pages of {@link Informers#LIST_LIMIT} so a start
 * never holds a whole cluster's list at once. What each trim keeps is what the translators and
 * reconcilers read; {@code TrimmedObjectsTest} holds them to translating a trimmed object exactly
 * as the full one.
 */
package io.flycast.informer;
