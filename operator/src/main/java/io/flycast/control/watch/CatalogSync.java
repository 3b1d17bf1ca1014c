package io.flycast.control.watch;

import static io.flycast.informer.Informers.LIST_LIMIT;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.flycast.api.ExposedService;
import io.flycast.catalog.CatalogStore;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.ScaleKinds;
import io.flycast.control.FlycastAnnotations;
import io.flycast.control.translate.EndpointSliceTranslator;
import io.flycast.control.translate.ExposedServiceTranslator;
import io.flycast.control.translate.ManagedServicePolicy;
import io.flycast.control.translate.SecretCertificates;
import io.flycast.control.translate.SecretNamespaces;
import io.flycast.control.translate.ServiceTranslator;
import io.flycast.control.translate.Translation;
import io.flycast.informer.Trim;
import io.flycast.informer.TrimmedItemStore;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the local catalog in step with the API, in every replica (leader or not), so every replica
 * can serve traffic and keeps serving the last snapshot if the API goes away.
 *
 * <p>Each event recomputes only the route it concerns: cost grows with change, not with the number
 * of routes. A route appears once its object has an address (written by the leader).
 */
public final class CatalogSync implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CatalogSync.class);
  private static final String BY_SERVICE = "by-service";
  private static final String BY_NAMESPACE = "by-namespace";

  private final CatalogStore store;
  private final SharedIndexInformer<Namespace> namespaces;
  private final SharedIndexInformer<Service> services;
  private final SharedIndexInformer<ExposedService> exposed;
  private final SharedIndexInformer<EndpointSlice> slices;
  private final TlsSecretInformers secrets;
  private final ManagedServicePolicy policy;
  private final SecretCertificates certificates;
  private final ScaleKinds scaleKinds;
  private final long cacheMaxBytes;
  private volatile boolean ready;
  private final EarlyReadyPods early = new EarlyReadyPods();
  private final NodeZones nodeZones = new NodeZones();
  private final List<Consumer<HasMetadata>> deleteListeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<Consumer<RouteKey>> indirectListeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  public CatalogSync(KubernetesClient client, CatalogStore store, boolean allServices) {
    this(client, store, allServices, SecretNamespaces.ALL, ScaleKinds.BUILT_IN);
  }

  /**
   * @param secretNamespaces where TLS Secrets are read (every namespace, or the listed ones: a
   *     route elsewhere gets a problem instead of a certificate)
   * @param scaleKinds the kinds autoscale may scale: a route naming another kind gets a problem and
   *     no autoscale
   */
  public CatalogSync(
      KubernetesClient client,
      CatalogStore store,
      boolean allServices,
      SecretNamespaces secretNamespaces,
      ScaleKinds scaleKinds) {
    this(
        client,
        store,
        allServices,
        secretNamespaces,
        scaleKinds,
        io.flycast.catalog.CacheSettings.DEFAULT_GLOBAL_MAX_BYTES);
  }

  /**
   * @param cacheMaxBytes the proxy's cache size over every route ({@code --cache-max-size}): a
   *     route asking for a larger cache gets a problem and no cache
   */
  public CatalogSync(
      KubernetesClient client,
      CatalogStore store,
      boolean allServices,
      SecretNamespaces secretNamespaces,
      ScaleKinds scaleKinds,
      long cacheMaxBytes) {
    this.cacheMaxBytes = cacheMaxBytes;
    this.store = store;
    this.scaleKinds = scaleKinds;
    // Every informer lists in pages and keeps a trimmed copy of each object: what the translators
    // read (see io.flycast.informer).
    this.namespaces =
        client
            .namespaces()
            .withLimit(LIST_LIMIT)
            .runnableInformer(0)
            .itemStore(new TrimmedItemStore<>(Trim::namespace));
    this.policy =
        new ManagedServicePolicy(allServices, name -> namespaces.getStore().getByKey(name));
    this.services =
        client
            .services()
            .inAnyNamespace()
            .withLimit(LIST_LIMIT)
            .runnableInformer(0)
            .itemStore(new TrimmedItemStore<>(Trim::metadata));
    this.exposed =
        client
            .resources(ExposedService.class)
            .inAnyNamespace()
            .withLimit(LIST_LIMIT)
            .runnableInformer(0)
            .itemStore(new TrimmedItemStore<>(Trim::metadata));
    this.slices =
        client
            .discovery()
            .v1()
            .endpointSlices()
            .inAnyNamespace()
            .withLimit(LIST_LIMIT)
            .runnableInformer(0)
            .itemStore(new TrimmedItemStore<>(Trim::endpointSlice));
    // Only TLS Secrets: the proxy's certificates, and a missing or unusable one is a status
    // condition.
    this.secrets = new TlsSecretInformers(client, secretNamespaces);
    this.certificates = new SecretCertificates(secrets::get, secretNamespaces);
    // Once listed, a watch that fails is retried (Fabric8 stops on some failures, and a stopped
    // watch would freeze its part of the catalog for good, silently): re-listing heals it once
    // the cause is gone, even an object that cannot be read.
    List<SharedIndexInformer<?>> informers =
        new java.util.ArrayList<>(List.of(namespaces, services, exposed, slices));
    informers.addAll(secrets.all());
    for (var informer : informers) {
      informer.exceptionHandler((started, t) -> started);
    }
    slices.addIndexers(Map.of(BY_SERVICE, s -> List.of(serviceKeyOf(s))));
    services.addIndexers(Map.of(BY_NAMESPACE, s -> List.of(s.getMetadata().getNamespace())));

    services.addEventHandler(handler(s -> recompute(keyOf(s))));
    exposed.addEventHandler(handler(e -> recompute(keyOf(e))));
    services.addEventHandler(onDelete(s -> deleteListeners.forEach(l -> l.accept(s))));
    slices.addEventHandler(
        handler(
            s -> {
              nodeZones.learn(s);
              recomputeBackends(new RouteKey(s.getMetadata().getNamespace(), serviceNameOf(s)));
            }));
    namespaces.addEventHandler(
        handler(
            ns ->
                services
                    .getIndexer()
                    .byIndex(BY_NAMESPACE, ns.getMetadata().getName())
                    .forEach(s -> recomputeIndirect(keyOf(s)))));
    // A Secret's change re-evaluates the objects naming it, so their conditions and Events follow
    // the Secret (and its new version is parsed here, off the proxy's event loops).
    secrets.addEventHandler(
        handler(
            s -> {
              String ns = s.getMetadata().getNamespace();
              String name = s.getMetadata().getName();
              exposed.getStore().list().stream()
                  .filter(e -> e.getMetadata().getNamespace().equals(ns) && namesTlsSecret(e, name))
                  .forEach(e -> recomputeIndirect(keyOf(e)));
              services.getIndexer().byIndex(BY_NAMESPACE, ns).stream()
                  .filter(svc -> namesTlsSecret(svc, name))
                  .forEach(svc -> recomputeIndirect(keyOf(svc)));
            }));
  }

  /** Starts the watches and blocks until each has listed once, then marks the catalog ready. */
  public void start() {
    namespaces.run();
    secrets.run();
    slices.run();
    exposed.run();
    services.run();
    // Recompute everything once all caches are complete (events may have raced the listing).
    services.getStore().list().forEach(s -> recompute(keyOf(s)));
    exposed.getStore().list().forEach(e -> recompute(keyOf(e)));
    ready = true;
    log.info(
        "catalog synced: {} routes, version {}", store.current().size(), store.current().version());
  }

  /** True once the watches have synced and the first catalog is built. */
  public boolean isReady() {
    return ready;
  }

  public ManagedServicePolicy policy() {
    return policy;
  }

  public Service service(RouteKey key) {
    return services.getStore().getByKey(Cache.namespaceKeyFunc(key.namespace(), key.name()));
  }

  public ExposedService exposedService(RouteKey key) {
    return exposed.getStore().getByKey(Cache.namespaceKeyFunc(key.namespace(), key.name()));
  }

  /** Every ExposedService the informer holds, valid or not (the status page's conditions). */
  public List<ExposedService> exposedServices() {
    return exposed.getStore().list();
  }

  public Namespace namespace(String name) {
    return namespaces.getStore().getByKey(name);
  }

  /** The kinds autoscale may scale in this install; the translators refuse other targets. */
  public ScaleKinds scaleKinds() {
    return scaleKinds;
  }

  /** The proxy's cache size over every route, which no route's cache may exceed. */
  public long cacheMaxBytes() {
    return cacheMaxBytes;
  }

  /** The one certificate cache of this process: the proxy's, and the status checks'. */
  public SecretCertificates certificates() {
    return certificates;
  }

  /**
   * What keeps a TLS Secret from serving, for a condition or Event; null when it is usable. See
   * {@link SecretCertificates#problem}.
   */
  public String tlsSecretProblem(String namespace, String name) {
    return certificates.problem(namespace, name);
  }

  /** A TLS Secret from the watch cache, or null (also when its namespace is not watched). */
  public Secret tlsSecret(String namespace, String name) {
    return secrets.get(namespace, name);
  }

  /**
   * Registers a listener told of objects whose route may have changed for a reason their own watch
   * does not show (a namespace label, a Secret).
   */
  public void addIndirectChangeListener(Consumer<RouteKey> listener) {
    indirectListeners.add(listener);
  }

  /** Registers a listener told when a Service is deleted (so its address can be freed at once). */
  public void addServiceDeleteListener(Consumer<HasMetadata> listener) {
    deleteListeners.add(listener);
  }

  private void recomputeIndirect(RouteKey key) {
    recompute(key);
    indirectListeners.forEach(l -> l.accept(key));
  }

  /** Recomputes one route from the caches. Safe to call at any time, idempotent. */
  public void recompute(RouteKey key) {
    try {
      Translation t = translate(key);
      if (t == null) {
        store.remove(key);
      } else {
        store.putSpec(t.spec());
      }
      recomputeBackends(key);
    } catch (RuntimeException e) {
      // One bad object must never stop the others from routing.
      log.warn("cannot route {}: {}", key, e.toString());
    }
  }

  /** The route an object should have now, or null when it should have none. */
  public Translation translate(RouteKey key) {
    ExposedService es = exposedService(key);
    if (es != null) {
      InetAddress address = es.getStatus() == null ? null : literal(es.getStatus().address);
      return address == null || es.getMetadata().getDeletionTimestamp() != null
          ? null
          : ExposedServiceTranslator.translate(
              es,
              address,
              name -> tlsSecretProblem(key.namespace(), name),
              scaleKinds,
              cacheMaxBytes);
    }
    Service svc = service(key);
    if (svc == null || !policy.isManaged(svc)) {
      return null;
    }
    var ann = svc.getMetadata().getAnnotations();
    InetAddress address = ann == null ? null : literal(ann.get(FlycastAnnotations.FLYCAST_IP));
    return address == null
        ? null
        : ServiceTranslator.translate(
            svc,
            address,
            name -> tlsSecretProblem(key.namespace(), name),
            scaleKinds,
            cacheMaxBytes);
  }

  /**
   * Routes a pod that passed its own readiness probe as ready before its EndpointSlice says so
   * (autostart's early probing; see {@link EarlyReadyPods}).
   *
   * @param node the pod's node: its zone, when a slice has named it, is the pod's until its own
   *     slice lists it
   */
  public void podReadyEarly(RouteKey key, io.flycast.catalog.Backend backend, String node) {
    early.passed(key, backend.zone() == null ? backend.inZone(nodeZones.of(node)) : backend);
    recomputeBackends(key);
  }

  /** Stops routing a pod early: it is gone, or no longer watched; its slice decides. */
  public void forgetEarly(RouteKey key, String pod) {
    early.forget(key, pod);
    recomputeBackends(key);
  }

  /**
   * The labels of a route's pods: its ExposedService's selector, else its Service's; null when
   * unknown.
   */
  public Map<String, String> selector(RouteKey key) {
    ExposedService es = exposedService(key);
    if (es != null && es.getSpec() != null && es.getSpec().selector != null) {
      return es.getSpec().selector;
    }
    Service svc = service(key);
    return svc == null || svc.getSpec() == null ? null : svc.getSpec().getSelector();
  }

  // Synchronized: slice events and early probes both publish a route's backends, and each
  // publishes what it read, so two must not interleave their read and their write.
  private synchronized void recomputeBackends(RouteKey key) {
    List<EndpointSlice> list =
        slices.getIndexer().byIndex(BY_SERVICE, key.namespace() + "/" + key.name());
    // The Service of the same name (an ExposedService's own) says which family a dual-stack pod is
    // dialed on.
    store.putBackends(
        key,
        early.merge(
            key,
            EndpointSliceTranslator.backends(
                list, EndpointSliceTranslator.preferredFamily(service(key)))));
  }

  private static InetAddress literal(String text) {
    return text == null ? null : EndpointSliceTranslator.literal(text);
  }

  private static RouteKey keyOf(HasMetadata o) {
    return new RouteKey(o.getMetadata().getNamespace(), o.getMetadata().getName());
  }

  /** Whether an ExposedService terminates TLS on some port with the Secret {@code name}. */
  public static boolean namesTlsSecret(ExposedService es, String name) {
    var ports = es.getSpec() == null ? null : es.getSpec().ports;
    return ports != null
        && ports.stream()
            .anyMatch(
                p -> p != null && p.tlsOptions != null && name.equals(p.tlsOptions.secretName));
  }

  /**
   * Whether a Service names the Secret {@code name} in a {@code service.fly.io/<port>-tls-secret}
   * annotation.
   */
  public static boolean namesTlsSecret(Service svc, String name) {
    var ann = svc.getMetadata().getAnnotations();
    return ann != null
        && ann.entrySet().stream()
            .anyMatch(
                e ->
                    FlycastAnnotations.isTlsSecret(e.getKey())
                        && e.getValue() != null
                        && name.equals(e.getValue().trim()));
  }

  private static String serviceNameOf(EndpointSlice s) {
    var labels = s.getMetadata().getLabels();
    String name = labels == null ? null : labels.get(FlycastAnnotations.SERVICE_NAME_LABEL);
    return name == null ? "" : name;
  }

  private static String serviceKeyOf(EndpointSlice s) {
    return s.getMetadata().getNamespace() + "/" + serviceNameOf(s);
  }

  private static <T> ResourceEventHandler<T> handler(Consumer<T> onChange) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        onChange.accept(obj);
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        onChange.accept(newObj);
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        onChange.accept(obj);
      }
    };
  }

  private static <T> ResourceEventHandler<T> onDelete(Consumer<T> onDeleted) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {}

      @Override
      public void onUpdate(T oldObj, T newObj) {}

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        onDeleted.accept(obj);
      }
    };
  }

  @Override
  public void close() {
    services.close();
    exposed.close();
    slices.close();
    namespaces.close();
    secrets.close();
  }
}
