package io.flycast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.flycast.catalog.Route;
import io.flycast.catalog.RouteKey;
import io.flycast.control.FlycastAnnotations;
import io.flycast.embedded.EmbeddedApiServer;
import io.flycast.embedded.echo.EchoBackend;
import io.flycast.proxy.RawHttp;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM for a replica behind a Service ({@link Flycast#shutDown}): readiness fails at once, yet
 * for the shutdown delay everything is still served, old connections and new; keep-alive clients
 * are told to reconnect; after the delay the listener closes and work in flight finishes;
 * leadership goes to another replica at the start, not at the end.
 */
class GracefulShutdownIT {
  static final Duration WAIT = Duration.ofSeconds(30);
  static final String NS = "drain";
  static final String HOST = "web." + NS + ".flycast";

  EmbeddedApiServer api;
  EchoBackend echo;

  /** Blocking work of the test, off the common pool (one thread on a two-core machine). */
  final ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();

  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void startApi() throws Exception {
    api = new EmbeddedApiServer().start(0);
  }

  @AfterEach
  void stopApi() {
    background.shutdownNow();
    if (echo != null) {
      echo.stop(0);
    }
    api.close();
  }

  Flycast replica(boolean proxies) throws Exception {
    FlycastConfig config = FlycastConfig.forTests(false);
    if (proxies) {
      config = config.withProxy(new InetSocketAddress("127.0.0.1", 0), null);
    }
    return new Flycast(config, api.newClient("flycast-test/0.1.0")).start();
  }

  /** A Flycast Service "web" whose one endpoint is an echo server on loopback. */
  void webService() throws Exception {
    echo = EchoBackend.start(new InetSocketAddress("127.0.0.1", 0), "web-0");
    var client = api.client();
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .create();
    client
        .services()
        .inNamespace(NS)
        .resource(
            new ServiceBuilder()
                .withNewMetadata()
                .withName("web")
                .withNamespace(NS)
                .withAnnotations(
                    Map.of(
                        FlycastAnnotations.FLYCAST,
                        "true",
                        FlycastAnnotations.handlers(80),
                        "http"))
                .endMetadata()
                .withNewSpec()
                .addNewPort()
                .withName("web")
                .withPort(80)
                .withTargetPort(new IntOrString(echo.address().getPort()))
                .withProtocol("TCP")
                .endPort()
                .endSpec()
                .build())
        .create();
    client
        .discovery()
        .v1()
        .endpointSlices()
        .inNamespace(NS)
        .resource(
            new EndpointSliceBuilder()
                .withNewMetadata()
                .withName("web-1")
                .withNamespace(NS)
                .withLabels(Map.of(FlycastAnnotations.SERVICE_NAME_LABEL, "web"))
                .endMetadata()
                .withAddressType("IPv4")
                .addNewEndpoint()
                .withAddresses("127.0.0.1")
                .withNewConditions()
                .withReady(true)
                .endConditions()
                .withNewTargetRef()
                .withKind("Pod")
                .withNamespace(NS)
                .withName("web-0")
                .endTargetRef()
                .endEndpoint()
                .addNewPort()
                .withName("web")
                .withPort(echo.address().getPort())
                .withProtocol("TCP")
                .endPort()
                .build())
        .create();
  }

  HttpResponse<String> readyz(Flycast f) throws Exception {
    return http.send(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + f.admin().address().getPort() + "/readyz"))
            .timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static boolean refusesConnections(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return false;
    } catch (ConnectException e) {
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  @Test
  void aTerminatingReplicaFailsReadinessServesThroughTheDelayThenFinishesWorkInFlight()
      throws Exception {
    Flycast flycast = replica(true);
    try {
      webService();
      await()
          .atMost(WAIT)
          .until(
              () -> {
                Route r = flycast.catalog().current().route(new RouteKey(NS, "web"));
                return r != null && r.backends().size() == 1 && readyz(flycast).statusCode() == 200;
              });
      int port = flycast.proxy().httpAddress().getPort();
      try (RawHttp kept = new RawHttp(port);
          RawHttp slow = new RawHttp(port)) {
        assertThat(kept.get(HOST, "/before").header("connection")).isNotEqualTo("close");
        slow.send("GET /slow HTTP/1.1\r\nHost: " + HOST + "\r\nx-echo-delay-ms: 7000\r\n\r\n");
        CompletableFuture<RawHttp.Response> slowResponse =
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return slow.read();
                  } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                },
                background);

        CompletableFuture<Void> shutdown =
            CompletableFuture.runAsync(() -> flycast.shutDown(Duration.ofSeconds(3)), background);

        await().atMost(WAIT).until(() -> readyz(flycast).statusCode() == 503);
        assertThat(readyz(flycast).body()).contains("shutting down");
        RawHttp.Response onKept = kept.get(HOST, "/during-the-delay");
        assertThat(onKept.status()).as("served on a connection from before").isEqualTo(200);
        assertThat(onKept.header("connection")).as("and told to reconnect").isEqualTo("close");
        try (RawHttp late = new RawHttp(port)) {
          assertThat(late.get(HOST, "/new-during-the-delay").status())
              .as("a connection the Service still sends here during the delay")
              .isEqualTo(200);
        }

        await().atMost(WAIT).until(() -> refusesConnections(port));
        assertThat(slowResponse).as("still in flight when the listener closed").isNotDone();
        RawHttp.Response done = slowResponse.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(done.status()).as("work in flight finishes").isEqualTo(200);
        assertThat(done.body()).contains("\"path\":\"/slow\"");
        shutdown.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      }
    } finally {
      flycast.close();
    }
  }

  @Test
  void aTerminatingLeaderHandsOverAtTheStartOfItsDelayNotAtTheEnd() throws Exception {
    Flycast a = replica(false);
    Flycast b = replica(false);
    try {
      await().atMost(WAIT).until(() -> a.isLeader() != b.isLeader());
      Flycast leader = a.isLeader() ? a : b;
      Flycast other = leader == a ? b : a;
      long start = System.nanoTime();

      CompletableFuture<Void> shutdown =
          CompletableFuture.runAsync(() -> leader.shutDown(Duration.ofSeconds(10)), background);

      // Without a handover the Lease runs out only after LeaderElection.LEASE_DURATION (15 s).
      await().atMost(Duration.ofSeconds(8)).until(other::isLeader);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
      assertThat(leader.isLeader()).isFalse();
      assertThat(shutdown).as("the leader that left is still draining").isNotDone();
      shutdown.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    } finally {
      a.close();
      b.close();
    }
  }
}
