package io.flycast.control.leader;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election on a Kubernetes Lease (Fabric8's elector). While leading, {@code onLead} runs the
 * writers; on losing the Lease {@code onLose} stops them, and the elector campaigns again.
 *
 * <p>{@code onLead} and {@code onLose} run on a thread of their own, in order, never on the
 * elector's: starting the reconcilers waits for their informers to sync, which on a large cluster
 * takes longer than the renew deadline, and an elector blocked that long loses the Lease while
 * still acting as leader, so that two replicas lead at once.
 *
 * <p>{@link #close()} hands leadership over rather than letting the Lease run out: the other
 * replicas would otherwise wait up to {@link #LEASE_DURATION} with nobody reconciling or
 * autostopping, which a rolling restart would pay once per leader it replaces.
 */
public final class LeaderElection implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LeaderElection.class);
  static final Duration LEASE_DURATION = Duration.ofSeconds(15);
  static final Duration RENEW_DEADLINE = Duration.ofSeconds(10);
  static final Duration RETRY_PERIOD = Duration.ofSeconds(2);

  /**
   * Longest {@link #close()} waits for {@code onLose} before releasing the Lease anyway: stopping
   * the reconcilers lets reconciles in flight finish, which JOSDK bounds itself.
   */
  static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  private final KubernetesClient client;
  private final String namespace;
  private final String name;
  private final String identity;
  private final LeaderState state;
  private final Runnable onLead;
  private final Runnable onLose;
  private volatile boolean closed;
  private final java.util.concurrent.ExecutorService work =
      java.util.concurrent.Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "flycast-leader");
            t.setDaemon(true);
            return t;
          });
  private volatile CompletableFuture<?> running;

  public LeaderElection(
      KubernetesClient client,
      String namespace,
      String name,
      String identity,
      LeaderState state,
      Runnable onLead,
      Runnable onLose) {
    this.client = client;
    this.namespace = namespace;
    this.name = name;
    this.identity = identity;
    this.state = state;
    this.onLead = onLead;
    this.onLose = onLose;
  }

  public void start() {
    if (closed) {
      return;
    }
    var config =
        new LeaderElectionConfigBuilder()
            .withName(name)
            .withLock(new LeaseLock(namespace, name, identity))
            .withLeaseDuration(LEASE_DURATION)
            .withRenewDeadline(RENEW_DEADLINE)
            .withRetryPeriod(RETRY_PERIOD)
            .withReleaseOnCancel(true)
            .withLeaderCallbacks(
                new LeaderCallbacks(this::lead, this::lose, id -> log.info("leader is {}", id)))
            .build();
    running = client.leaderElector().withConfig(config).build().start();
    running.whenComplete(
        (v, e) -> {
          if (!closed) {
            start(); // lost the lease or the elector failed: campaign again
          }
        });
  }

  private void lead() {
    if (closed) {
      return; // won just as this replica shuts down: the Lease is released on cancel
    }
    log.info("{} leads", identity);
    state.set(true);
    work.execute(
        () -> {
          if (!state.isLeader()) {
            return; // lost again before the reconcilers could start
          }
          try {
            onLead.run();
          } catch (RuntimeException e) {
            log.error("cannot start the reconcilers; giving up the lease", e);
            state.set(false);
            running.cancel(true);
          }
        });
  }

  private void lose() {
    log.info("{} stopped leading", identity);
    state.set(false); // at once: autostop checks it right before it scales anything down
    if (!closed) {
      work.execute(onLose); // closing ran it already, before releasing the Lease
    }
  }

  /**
   * Stops campaigning and, when leading, hands over in an order that never lets two leaders write
   * at once: leadership ends here first ({@code state} turns false, which autostop and address
   * repair check before each write), then {@code onLose} runs to its end (the reconcilers stop;
   * whatever the caller gave it to wait for is done), and only then is the Lease released, so
   * another replica leads within a {@link #RETRY_PERIOD} instead of a {@link #LEASE_DURATION}.
   * Blocks for that; idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    state.set(false);
    work.execute(onLose);
    work.shutdown();
    try {
      if (!work.awaitTermination(STOP_TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)) {
        log.warn("leader work still running after {}; releasing the Lease anyway", STOP_TIMEOUT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (running != null) {
      running.cancel(
          true); // with releaseOnCancel: the Lease is released now, if this replica holds it
    }
    log.info("{} left the leader election", identity);
  }
}
