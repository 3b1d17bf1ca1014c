package io.flycast.control.reconcile;

import io.fabric8.kubernetes.api.model.Condition;
import io.flycast.allocation.AddressOwner;
import io.flycast.allocation.FlycastAddressPool;
import io.flycast.api.ExposedService;
import io.flycast.api.ExposedServiceStatus;
import io.flycast.catalog.Backend;
import io.flycast.catalog.CatalogStore;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.Route;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.RouteSpec;
import io.flycast.control.translate.EndpointSliceTranslator;
import io.flycast.control.translate.ExposedServiceTranslator;
import io.flycast.control.translate.Translation;
import io.flycast.control.watch.CatalogSync;
import io.flycast.control.watch.CatalogTrigger;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Reconciles an {@link ExposedService}: owns its Service (a declared dependent), allocates its
 * address, and reports in status what is routed: Allocated, Synced, Ready and Valid conditions, the
 * sync version, and backend counts.
 */
@Workflow(
    dependents =
        @Dependent(
            type = ExposedServiceServiceDependent.class,
            name = "service",
            reconcilePrecondition = ExposedServiceServiceDependent.HasPorts.class))
@ControllerConfiguration(name = ExposedServiceReconciler.NAME)
public final class ExposedServiceReconciler
    implements Reconciler<ExposedService>, Cleaner<ExposedService> {
  public static final String NAME = "flycast-exposedservice";
  static final String KIND = ExposedService.KIND;

  private final CatalogSync sync;
  private final CatalogStore store;
  private final AddressAssigner assigner;
  private final FlycastAddressPool pool;
  private final EventRecorder events;

  /**
   * How soon a route with no workload to start looks for one again: a user who just created it sees
   * the status follow within this, and routes in this state cost a list of workloads each.
   */
  public static final Duration NO_WORKLOAD_RECHECK = Duration.ofSeconds(10);

  private final AutoscaleRecorder autoscale;
  private final Function<RouteSpec, String> whyNoWorkload;

  public ExposedServiceReconciler(
      CatalogSync sync,
      CatalogStore store,
      FlycastAddressPool pool,
      EventRecorder events,
      AutoscaleRecorder autoscale,
      Function<RouteSpec, String> whyNoWorkload) {
    this.autoscale = autoscale;
    this.whyNoWorkload = whyNoWorkload;
    this.sync = sync;
    this.store = store;
    this.pool = pool;
    this.assigner = new AddressAssigner(pool);
    this.events = events;
  }

  @Override
  public List<EventSource<?, ExposedService>> prepareEventSources(
      EventSourceContext<ExposedService> context) {
    return List.of(new CatalogTrigger<>("catalog", store, sync, true));
  }

  @Override
  public UpdateControl<ExposedService> reconcile(
      ExposedService es, Context<ExposedService> context) {
    var meta = es.getMetadata();
    var old = es.getStatus() == null ? new ExposedServiceStatus() : es.getStatus();
    var owner = new AddressOwner(KIND, meta.getNamespace(), meta.getName(), meta.getUid());
    var a =
        assigner.assign(
            owner, literal(old.address), es.getSpec() == null ? null : es.getSpec().address);
    if (!a.ok()) {
      events.warning(es, a.failure().reason().conditionReason(), a.failure().getMessage());
    }

    var st = new ExposedServiceStatus();
    st.observedGeneration = meta.getGeneration();
    st.syncVersion = old.syncVersion;
    List<Condition> conditions = new ArrayList<>();
    conditions.add(
        a.ok()
            ? condition(
                old,
                "Allocated",
                true,
                "Allocated",
                "Flycast address " + FlycastAddressPool.canonical(a.address()))
            : condition(
                old,
                "Allocated",
                false,
                a.failure().reason().conditionReason(),
                a.failure().getMessage()));

    ExposedService read = asRead(es, context);
    Translation t =
        a.address() == null
            ? null
            : ExposedServiceTranslator.translate(
                read,
                a.address(),
                n -> sync.tlsSecretProblem(meta.getNamespace(), n),
                sync.scaleKinds(),
                sync.cacheMaxBytes());
    Route route = store.current().route(new RouteKey(meta.getNamespace(), meta.getName()));
    boolean synced = t != null && route != null && route.spec().equals(t.spec());
    if (a.address() != null) {
      st.address = FlycastAddressPool.canonical(a.address());
      st.hostnames = List.copyOf(t.spec().allHostnames());
      st.ports =
          t.spec().ports().stream()
              .map(ExposedServiceReconciler::describe)
              .collect(Collectors.joining(" "));
    }
    if (synced) {
      st.syncVersion = route.specVersion();
      conditions.add(
          condition(
              old, "Synced", true, "Routed", "routed in catalog version " + route.specVersion()));
    } else {
      conditions.add(
          condition(
              old,
              "Synced",
              false,
              a.address() == null ? "NoAddress" : "Pending",
              a.address() == null
                  ? "waiting for an address"
                  : "waiting for the proxy's catalog to take the route"));
    }
    int running =
        route == null ? 0 : (int) route.backends().stream().filter(Backend::acceptsNewWork).count();
    int total = route == null ? 0 : route.backends().size();
    st.machines = new ExposedServiceStatus.Machines();
    st.machines.running = running;
    st.machines.desired = total;
    st.machines.summary = running + "/" + total;
    var key = new RouteKey(meta.getNamespace(), meta.getName());
    st.lastAutostart =
        autoscale.lastStart(key) != null ? autoscale.lastStart(key) : old.lastAutostart;
    st.lastAutostop = autoscale.lastStop(key) != null ? autoscale.lastStop(key) : old.lastAutostop;
    boolean autostart = t != null && t.spec().autoscale().autostart();
    // Scaled to zero promises that the next request starts a backend: only with a workload to
    // scale (an explicit scaleTargetRef that exists, or one whose pods the selector matches).
    String noWorkload = synced && running == 0 && autostart ? whyNoWorkload.apply(t.spec()) : null;
    if (!synced) {
      conditions.add(
          condition(old, "Ready", false, "NotRouted", "the route is not in the catalog yet"));
    } else if (running > 0) {
      conditions.add(condition(old, "Ready", true, "BackendsReady", running + " backend(s) ready"));
    } else if (noWorkload != null) {
      conditions.add(condition(old, "Ready", false, "NoWorkload", noWorkload));
    } else if (autostart) {
      conditions.add(
          condition(
              old,
              "Ready",
              true,
              "ScaledToZero",
              "no backend running; the next request starts one"));
    } else {
      conditions.add(
          condition(old, "Ready", false, "NoBackends", "no ready backend and autostart is off"));
    }
    List<String> problems = t == null ? ExposedServiceTranslator.readProblems(read) : t.problems();
    problems.forEach(p -> events.warning(es, "InvalidSpec", p));
    conditions.add(
        problems.isEmpty()
            ? condition(old, "Valid", true, "Valid", "spec is valid")
            : condition(old, "Valid", false, "InvalidSpec", String.join("; ", problems)));
    st.conditions = conditions;

    if (old.address == null && st.address != null) {
      events.normal(es, "AddressAllocated", "Flycast address " + st.address);
    }
    UpdateControl<ExposedService> control;
    if (old.equals(st)) {
      control = UpdateControl.noUpdate();
    } else {
      es.setStatus(st);
      es.getMetadata().setManagedFields(null);
      control = UpdateControl.patchStatus(es);
      if (!Objects.equals(old.address, st.address)
          || !Objects.equals(old.syncVersion, st.syncVersion)) {
        // The owned Service mirrors address and sync version; the workflow ran before this
        // status existed, so run once more to bring it in step.
        control.rescheduleAfter(Duration.ofMillis(50));
      }
    }
    // Creating the missing workload changes nothing this reconciler watches: look again soon.
    if (noWorkload != null) {
      return control.rescheduleAfter(NO_WORKLOAD_RECHECK);
    }
    return a.ok() ? control : control.rescheduleAfter(Duration.ofSeconds(30));
  }

  @Override
  public DeleteControl cleanup(ExposedService es, Context<ExposedService> context) {
    var meta = es.getMetadata();
    InetAddress addr = es.getStatus() == null ? null : literal(es.getStatus().address);
    if (addr != null) {
      pool.release(
          addr, new AddressOwner(KIND, meta.getNamespace(), meta.getName(), meta.getUid()));
    }
    return DeleteControl.defaultDelete();
  }

  /**
   * The object as the informer read it, with {@link
   * io.flycast.api.ExposedServiceSpec#unreadable()}: the reconciler is handed a copy made through
   * JSON, in which the values that could not be read are already left out, and so would not be
   * reported. The cached object (the newest version seen; a newer one than {@code es} is reconciled
   * next anyway), else {@code es}.
   */
  static ExposedService asRead(ExposedService es, Context<ExposedService> context) {
    return context.getPrimaryCache().get(ResourceID.fromResource(es)).orElse(es);
  }

  private static String describe(PortSpec p) {
    String hs =
        p.handlers().stream().map(h -> h.wireName()).sorted().collect(Collectors.joining(","));
    return p.port() + (hs.isEmpty() ? "/tcp" : "/" + hs);
  }

  private static Condition condition(
      ExposedServiceStatus old, String type, boolean status, String reason, String message) {
    return StatusConditions.condition(old.conditions, type, status, reason, message);
  }

  private static InetAddress literal(String s) {
    return s == null ? null : EndpointSliceTranslator.literal(s);
  }
}
