package io.flycast.peers;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's side: every {@link #PERIOD} it asks each other replica for its {@link LoadReport},
 * sending the current {@link CordonSet} along, and keeps the last report of each with how long the
 * reports have come without a break. Only while this replica leads; a replica that stops leading
 * forgets what it heard, so a later term starts from nothing, as a new leader must.
 */
public final class PeerPoller implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PeerPoller.class);
  public static final Duration PERIOD = Duration.ofSeconds(1);

  /** A peer whose last report is older than this is not known. */
  static final long STALE_NANOS = PERIOD.toNanos() * 3;

  static final String PATH = "/peer/load";

  /**
   * What the leader knows of one peer.
   *
   * @param sinceNanos when the unbroken run of reports began (first report of this leader's term,
   *     or of the peer's current process)
   * @param lastNanos when the last report arrived
   */
  record PeerState(
      long sinceNanos, long lastNanos, LoadReport report, Map<String, LoadReport.Backend> byKey) {
    static PeerState of(long since, long last, LoadReport report) {
      Map<String, LoadReport.Backend> byKey = new HashMap<>();
      for (LoadReport.Backend b : report.backends()) {
        byKey.put(b.route() + "/" + b.backend(), b);
      }
      return new PeerState(since, last, report, byKey);
    }

    boolean fresh(long now) {
      return now - lastNanos <= STALE_NANOS;
    }
  }

  private final Supplier<Map<String, URI>> peers;
  private final Supplier<String> token;
  private final Supplier<CordonSet> cordons;
  private final BooleanSupplier leading;
  private final Consumer<LoadReport> onReport;
  private final ScheduledExecutorService timer;
  private final HttpClient http;
  private final Map<String, PeerState> states = new ConcurrentHashMap<>();
  private volatile Map<String, URI> live = Map.of();

  /** When this replica's current term of polling began; 0 while it does not lead. */
  private volatile long leadingSinceNanos;

  /**
   * @param peers every other live replica, by identity, with the base URI of its admin port
   * @param token the bearer token replicas share
   * @param cordons the cordon set to send
   * @param onReport each report received (cold starts to record, for instance)
   */
  public PeerPoller(
      Supplier<Map<String, URI>> peers,
      Supplier<String> token,
      Supplier<CordonSet> cordons,
      BooleanSupplier leading,
      Consumer<LoadReport> onReport,
      PrometheusRegistry registry) {
    this.peers = peers;
    this.token = token;
    this.cordons = cordons;
    this.leading = leading;
    this.onReport = onReport;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "flycast-peers");
              t.setDaemon(true);
              return t;
            });
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofMillis(500))
            .executor(timer)
            .build();
    GaugeWithCallback.builder()
        .name("flycast_peers")
        .help(
            "Other replicas this one knows of (their presence Leases are current); counted by the"
                + " leader")
        .callback(cb -> cb.call(live.size()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("flycast_peers_heard")
        .help("Other replicas whose load report the leader has from the last few seconds")
        .callback(
            cb ->
                cb.call(
                    (double)
                        states.values().stream().filter(s -> s.fresh(System.nanoTime())).count()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("flycast_peer_report_age_seconds")
        .help("Age of the leader's last load report from each other replica")
        .labelNames("peer")
        .callback(
            cb -> states.forEach((id, s) -> cb.call((System.nanoTime() - s.lastNanos()) / 1e9, id)))
        .register(registry);
  }

  public PeerPoller start() {
    timer.scheduleWithFixedDelay(this::poll, 0, PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  void poll() {
    try {
      if (!leading.getAsBoolean()) {
        leadingSinceNanos = 0;
        states.clear();
        live = Map.of();
        return;
      }
      if (leadingSinceNanos == 0) {
        leadingSinceNanos = System.nanoTime() | 1;
      }
      Map<String, URI> now = Map.copyOf(peers.get());
      live = now;
      states.keySet().retainAll(now.keySet());
      String header = PeerJson.cordonHeader(cordons.get());
      String auth = "Bearer " + token.get();
      now.forEach((id, base) -> ask(id, base, header, auth));
    } catch (RuntimeException e) {
      log.warn("peer poll failed: {}", e.toString());
    }
  }

  private void ask(String id, URI base, String cordonHeader, String auth) {
    HttpRequest req =
        HttpRequest.newBuilder(base.resolve(PATH))
            .timeout(PERIOD)
            .header("Authorization", auth)
            .header(CordonSet.HEADER, cordonHeader)
            .GET()
            .build();
    http.sendAsync(req, HttpResponse.BodyHandlers.ofString())
        .whenComplete(
            (resp, err) -> {
              if (err != null || resp.statusCode() != 200) {
                log.debug(
                    "no load report from {} at {}: {}",
                    id,
                    base,
                    err != null ? err.toString() : "HTTP " + resp.statusCode());
                return;
              }
              try {
                received(id, PeerJson.report(resp.body()));
              } catch (Exception e) {
                log.warn("unreadable load report from {}: {}", id, e.toString());
              }
            });
  }

  void received(String id, LoadReport report) {
    received(id, report, System.nanoTime());
  }

  /** A report from {@code id} that arrived at {@code now} ({@link System#nanoTime()}). */
  void received(String id, LoadReport report, long now) {
    PeerState prev = states.get(id);
    boolean unbroken =
        prev != null && prev.fresh(now) && prev.report().boot().equals(report.boot());
    states.put(id, PeerState.of(unbroken ? prev.sinceNanos() : now, now, report));
    onReport.accept(report);
  }

  /** The other replicas known now, by identity (from the directory, not the last poll). */
  Map<String, URI> peersNow() {
    return peers.get();
  }

  /**
   * When this replica's polling as leader began; 0 when it does not lead (or has not polled yet).
   */
  long leadingSinceNanos() {
    return leadingSinceNanos;
  }

  /** The last report of {@code peer}; null if none. */
  PeerState state(String peer) {
    return states.get(peer);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
