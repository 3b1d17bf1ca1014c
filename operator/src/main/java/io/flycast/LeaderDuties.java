package io.flycast;

import io.flycast.allocation.FlycastAddressPool;
import io.flycast.autoscale.Autostopper;
import io.flycast.autoscale.BackendScaler;
import io.flycast.control.reconcile.AutoscaleRecorder;
import io.flycast.control.reconcile.EventRecorder;
import io.flycast.control.reconcile.ExposedServiceReconciler;
import io.flycast.control.reconcile.ServiceReconciler;
import io.flycast.control.watch.CatalogSync;
import io.flycast.control.watch.InformerStops;
import io.flycast.informer.Informers;
import io.flycast.informer.Trim;
import io.flycast.informer.TrimmedItemStore;
import io.javaoperatorsdk.operator.Operator;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What only the leader does beyond autostop: run the reconcilers (address allocation, status,
 * Events). Started when this replica gains the Lease, stopped when it loses or hands it over.
 *
 * <p>JOSDK's own leader election needs the SelfSubjectRulesReview API, which not every API server
 * (nor the embedded one) answers; Fabric8's elector ({@code LeaderElection}) needs only Leases, so
 * it drives this class.
 */
final class LeaderDuties {
  private static final Logger log = LoggerFactory.getLogger(LeaderDuties.class);

  /**
   * Longest a leader handing over waits for a scale-down it is in the middle of: a few API calls
   * (read the scale, mark the pod, scale, unmark).
   */
  static final Duration SCALE_DOWN_SETTLE = Duration.ofSeconds(10);

  private final Wiring w;
  private final CatalogSync sync;
  private final FlycastAddressPool pool;
  private final EventRecorder events;
  private final AutoscaleRecorder autoscaleRecorder;
  private final BackendScaler scaler;
  private Operator operator;
  private volatile Autostopper autostopper;

  LeaderDuties(
      Wiring w,
      CatalogSync sync,
      FlycastAddressPool pool,
      EventRecorder events,
      AutoscaleRecorder autoscaleRecorder,
      BackendScaler scaler) {
    this.w = w;
    this.scaler = scaler;
    this.sync = sync;
    this.pool = pool;
    this.events = events;
    this.autoscaleRecorder = autoscaleRecorder;
  }

  /** The autostopper whose scale-down a handover waits for; set once the data plane runs. */
  void autostopper(Autostopper stopper) {
    this.autostopper = stopper;
  }

  /** This replica leads: the reconcilers start. */
  synchronized void start() {
    operator =
        new Operator(
            o ->
                o.withKubernetesClient(w.client())
                    .withCloseClientOnStop(false)
                    // Merge patches, not server-side apply: works on every API server including the
                    // embedded one.
                    .withUseSSAToPatchPrimaryResource(false)
                    .withSSABasedCreateUpdateMatchForDependentResources(false)
                    // An object the model cannot read must not end the process (JOSDK's default on
                    // a stopped informer).
                    .withInformerStoppedHandler(new InformerStops()));
    // The reconcilers' own informers: the Service one holds every Service of the cluster again,
    // so both page their lists and keep trimmed objects, as the catalog's informers do.
    operator.register(
        new ServiceReconciler(sync, w.store(), pool, events),
        o ->
            o.withItemStore(new TrimmedItemStore<>(Trim::metadata))
                .withInformerListLimit(Informers.LIST_LIMIT));
    operator.register(
        new ExposedServiceReconciler(
            sync, w.store(), pool, events, autoscaleRecorder, scaler::whyNoWorkload),
        o ->
            o.withItemStore(new TrimmedItemStore<>(Trim::metadata))
                .withInformerListLimit(Informers.LIST_LIMIT));
    operator.start();
  }

  /**
   * Leadership is gone (lost, or handed over on shutdown): a scale-down autostop is in the middle
   * of settles first, then the reconcilers stop, letting reconciles in flight finish.
   */
  void stopLeading() {
    Autostopper stopper = autostopper;
    try {
      if (stopper != null && !stopper.awaitNoScaleDown(SCALE_DOWN_SETTLE)) {
        log.warn("a scale-down was still under way after {}", SCALE_DOWN_SETTLE);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    stop();
  }

  /** Stops the reconcilers, if running. */
  synchronized void stop() {
    if (operator != null) {
      try {
        operator.stop();
      } catch (RuntimeException e) {
        log.warn("operator stop: {}", e.toString());
      }
      operator = null;
    }
  }
}
