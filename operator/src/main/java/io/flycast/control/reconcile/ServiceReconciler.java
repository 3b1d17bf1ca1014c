package io.flycast.control.reconcile;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.LoadBalancerStatusBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceStatus;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.flycast.allocation.AddressOwner;
import io.flycast.allocation.FlycastAddressPool;
import io.flycast.catalog.CatalogStore;
import io.flycast.catalog.Route;
import io.flycast.catalog.RouteKey;
import io.flycast.control.FlycastAnnotations;
import io.flycast.control.translate.EndpointSliceTranslator;
import io.flycast.control.translate.ManagedServicePolicy;
import io.flycast.control.translate.ServiceTranslator;
import io.flycast.control.translate.Translation;
import io.flycast.control.watch.CatalogSync;
import io.flycast.control.watch.CatalogTrigger;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code kubectl expose} path: gives every managed Service a Flycast address and marks it as
 * FKS does ({@code fly.io/clusterip-allocator: configured}, {@code service.fly.io/sync-version}).
 *
 * <p>No finalizer on Services: a user's Service must stay deletable when the operator is down or
 * uninstalled. The route goes with the Service's delete event in every replica; the address is
 * released by {@link io.flycast.allocation.AddressRepair} on that event, and by its periodic pass
 * if the operator missed it.
 */
@ControllerConfiguration(name = ServiceReconciler.NAME, generationAwareEventProcessing = false)
public final class ServiceReconciler implements Reconciler<Service> {
  private static final Logger log = LoggerFactory.getLogger(ServiceReconciler.class);
  public static final String NAME = "flycast-service";
  static final String KIND = "Service";

  /**
   * The conditions Flycast keeps on a managed Service's status (next to any other controller's), as
   * an ExposedService has them: whether it has an address, whether its annotations are valid,
   * whether the proxy routes it. Prefixed: a Service's conditions are shared.
   */
  public static final String ALLOCATED = "fly.io/Allocated";

  public static final String VALID = "fly.io/Valid";
  public static final String SYNCED = "fly.io/Synced";
  private static final Set<String> CONDITIONS = Set.of(ALLOCATED, VALID, SYNCED);

  private final CatalogSync sync;
  private final CatalogStore store;
  private final AddressAssigner assigner;
  private final FlycastAddressPool pool;
  private final EventRecorder events;

  public ServiceReconciler(
      CatalogSync sync, CatalogStore store, FlycastAddressPool pool, EventRecorder events) {
    this.sync = sync;
    this.store = store;
    this.pool = pool;
    this.assigner = new AddressAssigner(pool);
    this.events = events;
  }

  @Override
  public List<EventSource<?, Service>> prepareEventSources(EventSourceContext<Service> context) {
    return List.of(new CatalogTrigger<>("catalog", store, sync, false));
  }

  @Override
  public UpdateControl<Service> reconcile(Service svc, Context<Service> context) {
    if (ManagedServicePolicy.ownedByExposedService(svc)) {
      return UpdateControl.noUpdate();
    }
    if (!sync.policy().isManaged(svc)) {
      if (ManagedServicePolicy.carriesOurMarks(svc)) {
        unmanage(svc, context);
      } else {
        writeStatus(
            svc, context, null, List.of()); // conditions a failed write left; no call when none
      }
      return UpdateControl.noUpdate();
    }
    var meta = svc.getMetadata();
    Map<String, String> ann = meta.getAnnotations() == null ? Map.of() : meta.getAnnotations();
    var owner = new AddressOwner(KIND, meta.getNamespace(), meta.getName(), meta.getUid());
    InetAddress current = literal(ann.get(FlycastAnnotations.FLYCAST_IP));
    var a = assigner.assign(owner, current, ann.get(FlycastAnnotations.FLYCAST_IP_REQUEST));
    List<Condition> old = svc.getStatus() == null ? null : svc.getStatus().getConditions();
    Condition allocated;
    if (a.ok()) {
      allocated =
          StatusConditions.condition(
              old,
              ALLOCATED,
              true,
              "Allocated",
              "Flycast address " + FlycastAddressPool.canonical(a.address()));
    } else {
      events.warning(svc, a.failure().reason().conditionReason(), a.failure().getMessage());
      // A status write is an update event, and every update is reconciled: a message that varied
      // between attempts would turn the retry interval into a write loop. Each attempt's own
      // message is in its Event.
      allocated =
          StatusConditions.persistingFailure(
              old, ALLOCATED, a.failure().reason().conditionReason(), a.failure().getMessage());
    }
    if (a.changedFrom() != null) {
      events.normal(
          svc,
          "AddressChanged",
          "Flycast address moved from "
              + FlycastAddressPool.canonical(a.changedFrom())
              + " to "
              + FlycastAddressPool.canonical(a.address()));
    }
    if (a.address() == null) {
      writeStatus(
          svc,
          context,
          null,
          List.of(
              allocated,
              StatusConditions.condition(
                  old, SYNCED, false, "NoAddress", "waiting for an address")));
      return UpdateControl.<Service>noUpdate().rescheduleAfter(Duration.ofSeconds(10));
    }
    Translation t =
        ServiceTranslator.translate(
            svc,
            a.address(),
            n -> sync.tlsSecretProblem(meta.getNamespace(), n),
            sync.scaleKinds(),
            sync.cacheMaxBytes());
    t.problems().forEach(p -> events.warning(svc, "InvalidAnnotation", p));
    Condition valid =
        t.problems().isEmpty()
            ? StatusConditions.condition(old, VALID, true, "Valid", "annotations are valid")
            : StatusConditions.condition(
                old, VALID, false, "InvalidAnnotation", String.join("; ", t.problems()));

    Map<String, String> want = new LinkedHashMap<>();
    want.put(
        FlycastAnnotations.CLUSTERIP_ALLOCATOR, FlycastAnnotations.CLUSTERIP_ALLOCATOR_CONFIGURED);
    want.put(FlycastAnnotations.FLYCAST_IP, FlycastAddressPool.canonical(a.address()));
    Route route = store.current().route(new RouteKey(meta.getNamespace(), meta.getName()));
    boolean synced = route != null && route.spec().equals(t.spec());
    if (synced) {
      want.put(FlycastAnnotations.SYNC_VERSION, Long.toString(route.specVersion()));
    }
    patchAnnotations(svc, context, want);
    writeStatus(
        svc,
        context,
        isFlycastLoadBalancer(svc) ? FlycastAddressPool.canonical(a.address()) : null,
        List.of(
            allocated,
            valid,
            synced
                ? StatusConditions.condition(
                    old, SYNCED, true, "Routed", "routed in catalog version " + route.specVersion())
                : StatusConditions.condition(
                    old,
                    SYNCED,
                    false,
                    "Pending",
                    "waiting for the proxy's catalog to take the route")));
    if (current == null || !current.equals(a.address())) {
      events.normal(
          svc, "AddressAllocated", "Flycast address " + FlycastAddressPool.canonical(a.address()));
    }
    return a.ok()
        ? UpdateControl.noUpdate()
        : UpdateControl.<Service>noUpdate().rescheduleAfter(Duration.ofSeconds(30));
  }

  /** Releases the address and removes our marks from a Service no longer managed. */
  private void unmanage(Service svc, Context<Service> context) {
    var meta = svc.getMetadata();
    InetAddress addr = literal(meta.getAnnotations().get(FlycastAnnotations.FLYCAST_IP));
    if (addr != null) {
      pool.release(
          addr, new AddressOwner(KIND, meta.getNamespace(), meta.getName(), meta.getUid()));
    }
    Map<String, String> remove = new HashMap<>();
    remove.put(FlycastAnnotations.CLUSTERIP_ALLOCATOR, null);
    remove.put(FlycastAnnotations.FLYCAST_IP, null);
    remove.put(FlycastAnnotations.SYNC_VERSION, null);
    mergePatch(svc, context, Map.of("metadata", Map.of("annotations", remove)));
    writeStatus(svc, context, null, List.of());
    events.normal(svc, "Unmanaged", "no longer exposed through Flycast; address released");
  }

  private void patchAnnotations(Service svc, Context<Service> context, Map<String, String> want) {
    Map<String, String> have =
        svc.getMetadata().getAnnotations() == null ? Map.of() : svc.getMetadata().getAnnotations();
    Map<String, String> diff = new LinkedHashMap<>();
    want.forEach(
        (k, v) -> {
          if (!Objects.equals(have.get(k), v)) {
            diff.put(k, v);
          }
        });
    if (!diff.isEmpty()) {
      mergePatch(svc, context, Map.of("metadata", Map.of("annotations", diff)));
    }
  }

  private static void mergePatch(Service svc, Context<Service> context, Map<String, ?> patch) {
    context
        .getClient()
        .services()
        .inNamespace(svc.getMetadata().getNamespace())
        .withName(svc.getMetadata().getName())
        .patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(patch));
  }

  public static boolean isFlycastLoadBalancer(Service svc) {
    return "LoadBalancer".equals(svc.getSpec().getType())
        && FlycastAnnotations.LOAD_BALANCER_CLASS.equals(svc.getSpec().getLoadBalancerClass());
  }

  /**
   * Brings the Service's status in step, when it is not: Flycast's conditions {@code ours} (other
   * controllers' conditions are kept) and, with {@code loadBalancerIp}, the load balancer ingress
   * address of a Service of Flycast's class.
   */
  private static void writeStatus(
      Service svc, Context<Service> context, String loadBalancerIp, List<Condition> ours) {
    ServiceStatus st = svc.getStatus();
    if ((loadBalancerIp == null || hasIngress(st, loadBalancerIp))
        && StatusConditions.agree(st == null ? null : st.getConditions(), CONDITIONS, ours)) {
      return;
    }
    try {
      context
          .getClient()
          .services()
          .inNamespace(svc.getMetadata().getNamespace())
          .withName(svc.getMetadata().getName())
          .editStatus(
              s -> {
                ServiceStatus status = s.getStatus() == null ? new ServiceStatus() : s.getStatus();
                status.setConditions(
                    StatusConditions.merged(status.getConditions(), CONDITIONS, ours));
                if (loadBalancerIp != null) {
                  status.setLoadBalancer(
                      new LoadBalancerStatusBuilder()
                          .withIngress(
                              new LoadBalancerIngressBuilder()
                                  .withIp(loadBalancerIp)
                                  .withIpMode("VIP")
                                  .build())
                          .build());
                }
                s.setStatus(status);
                return s;
              });
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      // Someone changed the Service between our read and our write: the change's own event
      // reconciles it again, with the status read fresh.
      log.debug(
          "status of Service {}/{} changed under us; the next reconcile writes it",
          svc.getMetadata().getNamespace(),
          svc.getMetadata().getName());
    }
  }

  private static boolean hasIngress(ServiceStatus st, String ip) {
    var ingress =
        st == null || st.getLoadBalancer() == null ? null : st.getLoadBalancer().getIngress();
    return ingress != null && ingress.size() == 1 && ip.equals(ingress.get(0).getIp());
  }

  static InetAddress literal(String s) {
    return s == null ? null : EndpointSliceTranslator.literal(s);
  }
}
