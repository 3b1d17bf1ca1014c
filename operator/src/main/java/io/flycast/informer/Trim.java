package io.flycast.informer;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What Flycast's informers keep of each kind, for {@link TrimmedItemStore}. Each trim changes the
 * object it is given (fresh from the API; see {@link TrimmedItemStore}) and returns it.
 *
 * <p>Every object loses {@code metadata.managedFields} (server-side apply's field owners, often the
 * largest part of an object) and the {@code kubectl.kubernetes.io/last-applied-configuration}
 * annotation (a second copy of the whole object as kubectl applied it: for a Secret, its data
 * again). Nothing in Flycast reads either. Beyond that:
 *
 * <ul>
 *   <li>Services, ExposedServices, Secrets and FlycastIPs keep the rest: the translators,
 *       reconcilers, status writers and certificate loading read most of it, and there are few of
 *       them next to Pods and EndpointSlices.
 *   <li>Namespaces keep their metadata (labels and annotations opt Services in and name networks).
 *   <li>EndpointSlices keep what {@code EndpointSliceTranslator} reads: their name, namespace and
 *       Service label, ports, and per endpoint its first addresses, conditions, zone and the kind
 *       and name of its target. Not node names, hints, owners or other labels.
 * </ul>
 *
 * Pods keep even less, in a store of their own ({@link PodItemStore}).
 */
public final class Trim {
  private Trim() {}

  /** kubectl's copy of what it last applied. */
  public static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

  /** The slice controller's label naming an EndpointSlice's Service. */
  public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

  /** Endpoint conditions are few combinations of three flags: one shared object for each. */
  private static final Map<List<Boolean>, EndpointConditions> CONDITIONS =
      new ConcurrentHashMap<>();

  /** Drops what no kind is read for: managed fields, kubectl's last applied copy. */
  public static <T extends HasMetadata> T metadata(T obj) {
    ObjectMeta m = obj.getMetadata();
    if (m != null) {
      m.setManagedFields(null);
      if (m.getAnnotations() != null) {
        m.getAnnotations().remove(LAST_APPLIED);
      }
    }
    return obj;
  }

  /** A namespace's metadata; not its spec (finalizers) or status (phase). */
  public static Namespace namespace(Namespace ns) {
    metadata(ns);
    ns.setSpec(null);
    ns.setStatus(null);
    return ns;
  }

  /** What routing reads of a slice; see the class comment. */
  public static EndpointSlice endpointSlice(EndpointSlice slice) {
    ObjectMeta m = slice.getMetadata();
    ObjectMeta kept = new ObjectMeta();
    kept.setName(m.getName());
    kept.setNamespace(m.getNamespace());
    kept.setUid(m.getUid());
    kept.setResourceVersion(m.getResourceVersion());
    kept.setDeletionTimestamp(m.getDeletionTimestamp());
    String service = m.getLabels() == null ? null : m.getLabels().get(SERVICE_NAME_LABEL);
    if (service != null) {
      kept.setLabels(Map.of(SERVICE_NAME_LABEL, service));
    }
    slice.setMetadata(kept);
    if (slice.getEndpoints() != null) {
      List<Endpoint> endpoints = new ArrayList<>(slice.getEndpoints().size());
      for (Endpoint e : slice.getEndpoints()) {
        endpoints.add(e == null ? null : endpoint(e));
      }
      slice.setEndpoints(endpoints);
    }
    return slice;
  }

  private static Endpoint endpoint(Endpoint e) {
    Endpoint kept = new Endpoint();
    List<String> addresses = e.getAddresses();
    // List.copyOf is the smallest list, but refuses nulls (a malformed slice must not stop the
    // watch).
    kept.setAddresses(
        addresses == null
            ? null
            : addresses.contains(null) ? new ArrayList<>(addresses) : List.copyOf(addresses));
    kept.setConditions(conditions(e.getConditions()));
    kept.setZone(
        e.getZone() == null ? null : e.getZone().intern()); // a handful of zones per cluster
    // Kept for the zone of a pod routed before its slice lists it (control.watch.NodeZones).
    kept.setNodeName(e.getNodeName() == null ? null : e.getNodeName().intern());
    ObjectReference ref = e.getTargetRef();
    if (ref != null) {
      ObjectReference keptRef = new ObjectReference();
      keptRef.setKind(ref.getKind() == null ? null : ref.getKind().intern());
      keptRef.setName(ref.getName());
      kept.setTargetRef(keptRef);
    }
    return kept;
  }

  private static EndpointConditions conditions(EndpointConditions c) {
    if (c == null) {
      return null;
    }
    // List.of refuses nulls, and null ("unknown") is a value here.
    List<Boolean> key = java.util.Arrays.asList(c.getReady(), c.getServing(), c.getTerminating());
    return CONDITIONS.computeIfAbsent(
        key, k -> new EndpointConditions(k.get(0), k.get(1), k.get(2)));
  }
}
