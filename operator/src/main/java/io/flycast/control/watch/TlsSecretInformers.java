package io.flycast.control.watch;

import static io.flycast.informer.Informers.LIST_LIMIT;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.flycast.control.translate.SecretNamespaces;
import io.flycast.informer.Trim;
import io.flycast.informer.TrimmedItemStore;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The watches on TLS Secrets: one cluster-wide, or one per namespace of {@code
 * --secret-namespaces}, so that the operator needs Secret grants in those namespaces only. Only
 * {@code type=kubernetes.io/tls} Secrets are listed (a field selector); RBAC cannot narrow a grant
 * that way, so namespaces are what bounds which Secrets the operator may read.
 */
final class TlsSecretInformers implements AutoCloseable {
  private static final String ALL = "";

  private final SecretNamespaces namespaces;

  /** By namespace; the key {@link #ALL} is the one cluster-wide informer. */
  private final Map<String, SharedIndexInformer<Secret>> informers = new LinkedHashMap<>();

  TlsSecretInformers(KubernetesClient client, SecretNamespaces namespaces) {
    this.namespaces = namespaces;
    if (namespaces.isAll()) {
      informers.put(
          ALL,
          trimmed(
              client
                  .secrets()
                  .inAnyNamespace()
                  .withField("type", "kubernetes.io/tls")
                  .withLimit(LIST_LIMIT)
                  .runnableInformer(0)));
    } else {
      for (String ns : namespaces.names()) {
        informers.put(
            ns,
            trimmed(
                client
                    .secrets()
                    .inNamespace(ns)
                    .withField("type", "kubernetes.io/tls")
                    .withLimit(LIST_LIMIT)
                    .runnableInformer(0)));
      }
    }
  }

  List<SharedIndexInformer<Secret>> all() {
    return List.copyOf(informers.values());
  }

  SecretNamespaces namespaces() {
    return namespaces;
  }

  void addEventHandler(ResourceEventHandler<Secret> handler) {
    informers.values().forEach(i -> i.addEventHandler(handler));
  }

  /** Lists and starts watching; returns once each namespace has been listed. */
  void run() {
    informers.values().forEach(SharedIndexInformer::run);
  }

  /**
   * A TLS Secret from the watch cache; null when there is none, or its namespace is not watched.
   */
  Secret get(String namespace, String name) {
    SharedIndexInformer<Secret> informer = informers.get(namespaces.isAll() ? ALL : namespace);
    return informer == null
        ? null
        : informer.getStore().getByKey(Cache.namespaceKeyFunc(namespace, name));
  }

  /** Pages the list and keeps a trimmed copy (no managedFields, no last-applied annotation). */
  private static SharedIndexInformer<Secret> trimmed(SharedIndexInformer<Secret> informer) {
    return informer.itemStore(new TrimmedItemStore<>(Trim::metadata));
  }

  @Override
  public void close() {
    informers.values().forEach(SharedIndexInformer::close);
  }
}
