package io.flycast;

import io.flycast.admin.AdminAccess;
import io.flycast.admin.AdminEndpoints;
import io.flycast.admin.AdminServer;
import io.flycast.admin.AdminToken;
import io.flycast.autoscale.Autostopper;
import io.flycast.catalog.RouteKey;
import io.flycast.control.leader.PeerDirectory;
import io.flycast.control.reconcile.AutoscaleRecorder;
import io.flycast.peers.ClusterCordons;
import io.flycast.peers.ClusterLoad;
import io.flycast.peers.LoadReport;
import io.flycast.peers.PeerPoller;
import io.flycast.peers.ProxyLoad;
import io.flycast.peers.ReplicaLoad;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One load view across replicas: this replica reports its load to whoever leads, and, leading,
 * polls the others and autostops with all of them in view (see {@code io.flycast.peers}). Cold
 * starts travel the same way: each replica's last start per route goes into its reports, and the
 * leader writes the ones other replicas made into status.
 */
final class LoadSharing {
  /** Longest autostop waits for a cordoned backend's in-flight work before stopping it anyway. */
  static final Duration MAX_DRAIN = Duration.ofMinutes(5);

  private LoadSharing() {}

  /**
   * Starts the peer directory, the load reports and polls, and the autostopper (which acts only
   * while this replica leads); returns the autostopper.
   *
   * @param admin null when the admin port is off: then no peer can poll this replica
   */
  static Autostopper start(
      Wiring w,
      DataPlane dataPlane,
      AdminServer admin,
      AdminEndpoints adminEndpoints,
      AdminAccess adminAccess,
      AutoscaleRecorder autoscaleRecorder) {
    FlycastConfig config = w.config();
    URI endpoint = admin == null ? null : PeerDirectory.endpointFor(admin.address());
    PeerDirectory directory =
        w.own(
            new PeerDirectory(w.client(), config.leaseNamespace(), config.identity(), endpoint)
                .start());
    ColdStarts starts = new ColdStarts(autoscaleRecorder);
    ReplicaLoad replica =
        new ReplicaLoad(
            config.identity(),
            dataPlane.tracker(),
            dataPlane.autostarter()::heldByRoute,
            starts::local,
            PeerPoller.PERIOD.multipliedBy(10));
    dataPlane.timer().scheduleWithFixedDelay(replica::expire, 1, 1, TimeUnit.SECONDS);
    if (adminEndpoints != null) {
      adminEndpoints.peerLoad(replica::answer);
      adminAccess.withPeerToken(AdminToken.of(directory.token()));
    }
    ClusterCordons clusterCordons =
        new ClusterCordons(config.identity(), ProxyLoad.cordons(dataPlane.tracker()));
    PeerPoller poller =
        w.own(
            new PeerPoller(
                    directory::peers,
                    directory::token,
                    clusterCordons::current,
                    w.leader()::isLeader,
                    starts::reported,
                    w.registry())
                .start());
    clusterCordons.poller(poller);
    return new Autostopper(
            new Autostopper.View(
                w.store(),
                new ClusterLoad(ProxyLoad.view(dataPlane.tracker()), poller),
                clusterCordons),
            dataPlane.scaler(),
            dataPlane.autostarter(),
            new Autostopper.Schedule(dataPlane.timer(), config.autostopInterval(), MAX_DRAIN),
            new Autostopper.Reporting(dataPlane.autoscaleMetrics(), autoscaleRecorder),
            w.leader()::isLeader)
        .start();
  }

  /** Between the status recorder's cold starts and the peers' load reports. */
  private record ColdStarts(AutoscaleRecorder recorder) {
    /** This replica's last cold start per route, for its load reports. */
    List<LoadReport.Start> local() {
      List<LoadReport.Start> starts = new ArrayList<>();
      recorder
          .lastStarts()
          .forEach(
              (key, a) ->
                  starts.add(
                      new LoadReport.Start(
                          key.toString(), a.time, a.replicas == null ? 0 : a.replicas, a.reason)));
      return starts;
    }

    /** A report reached the leader: cold starts other replicas made go into status from here. */
    void reported(LoadReport report) {
      for (LoadReport.Start start : report.starts()) {
        String[] key = start.route().split("/", 2);
        if (key.length == 2 && start.time() != null) {
          recorder.startedElsewhere(
              new RouteKey(key[0], key[1]), start.time(), start.replicas(), start.reason());
        }
      }
    }
  }
}
