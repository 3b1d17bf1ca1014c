package io.flycast.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Service in front of Flycast processes on loopback, as the EndpointSlice controller and
 * kube-proxy make one: a process becomes an endpoint once its {@code /readyz} answers 200 and stops
 * being one when it does not, as seen by a poll every {@code pollEvery} and applied {@code
 * propagation} later (kube-proxy on every node catching up); new connections go to the endpoints in
 * turn. Like kube-proxy, it only steers new connections: one already open stays with its process.
 */
final class ServiceEndpoints implements AutoCloseable {
  private final Set<FlycastProcess> pods = ConcurrentHashMap.newKeySet();
  private final List<FlycastProcess> endpoints = new CopyOnWriteArrayList<>();
  private final AtomicInteger next = new AtomicInteger();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
  private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor();

  /** Applies what the poller saw; its own thread, so a slow probe does not hold changes back. */
  private final ScheduledExecutorService propagator = Executors.newSingleThreadScheduledExecutor();

  private final Duration propagation;

  ServiceEndpoints(Duration pollEvery, Duration propagation) {
    this.propagation = propagation;
    poller.scheduleWithFixedDelay(this::poll, 0, pollEvery.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** A pod the Service selects; it becomes an endpoint when ready. */
  void add(FlycastProcess pod) {
    pods.add(pod);
  }

  /** A pod that is gone. */
  void remove(FlycastProcess pod) {
    pods.remove(pod);
    endpoints.remove(pod);
  }

  boolean isEndpoint(FlycastProcess pod) {
    return endpoints.contains(pod);
  }

  /** Where a new connection goes, or null when there is no endpoint. */
  FlycastProcess pick() {
    List<FlycastProcess> now = List.copyOf(endpoints);
    return now.isEmpty() ? null : now.get(Math.floorMod(next.getAndIncrement(), now.size()));
  }

  private void poll() {
    for (FlycastProcess pod : pods) {
      boolean ready = ready(pod);
      propagator.schedule(() -> apply(pod, ready), propagation.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void apply(FlycastProcess pod, boolean ready) {
    if (ready && pods.contains(pod) && !endpoints.contains(pod)) {
      endpoints.add(pod);
    } else if (!ready) {
      endpoints.remove(pod);
    }
  }

  private boolean ready(FlycastProcess pod) {
    try {
      HttpRequest probe =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + pod.adminPort + "/readyz"))
              .timeout(Duration.ofSeconds(1))
              .build();
      return http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (java.io.IOException e) {
      return false; // not listening: not ready
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void close() {
    poller.shutdownNow();
    propagator.shutdownNow();
  }
}
