package io.flycast.control;

import static io.flycast.control.Fixtures.addressOf;
import static io.flycast.control.Fixtures.annotation;
import static io.flycast.control.Fixtures.flycastService;
import static io.flycast.control.Fixtures.patchService;
import static io.flycast.control.Fixtures.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.flycast.allocation.FlycastAddressPool;
import io.flycast.api.FlycastIP;
import io.flycast.catalog.Concurrency;
import io.flycast.catalog.ConcurrencyType;
import io.flycast.catalog.Route;
import io.flycast.control.reconcile.ServiceReconciler;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The kubectl-expose path end to end on the embedded API: allocation, marks, routes, Events. */
class ControlPlaneIT extends EmbeddedControlPlane {
  static void namespace(String ns, Map<String, String> labels) {
    client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(ns)
                .withLabels(labels)
                .endMetadata()
                .build())
        .create();
  }

  static Route route(String ns, String name) {
    return Fixtures.route(flycast.catalog().current(), ns, name);
  }

  static List<String> events(String ns, String name, String reason) {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason()))
        .map(e -> e.getMessage())
        .toList();
  }

  @Test
  void fiveHundredConcurrentServicesGetDistinctAddresses() {
    namespace("many", Map.of());
    IntStream.range(0, 500)
        .parallel()
        .forEach(
            i ->
                client
                    .services()
                    .inNamespace("many")
                    .resource(flycastService("many", "svc-" + i))
                    .create());

    await()
        .atMost(Duration.ofMinutes(2))
        .untilAsserted(
            () -> {
              List<Service> all = client.services().inNamespace("many").list().getItems();
              Set<String> addresses = new HashSet<>();
              for (Service s : all) {
                String a =
                    s.getMetadata().getAnnotations() == null
                        ? null
                        : s.getMetadata().getAnnotations().get(FlycastAnnotations.FLYCAST_IP);
                assertThat(a).as("address of %s", s.getMetadata().getName()).isNotNull();
                addresses.add(a);
              }
              assertThat(all).hasSize(500);
              assertThat(addresses).hasSize(500);
            });
    for (int i = 0; i < 500; i++) {
      InetAddress a = addressOf(client, "many", "svc-" + i);
      assertThat(flycast.catalog().current().routeByAddress(a).key().name()).isEqualTo("svc-" + i);
    }
  }

  @Test
  void syncVersionMovesWhenTheRouteChangesNotOnResync() {
    namespace("sync", Map.of());
    client.services().inNamespace("sync").resource(flycastService("sync", "web")).create();
    await()
        .atMost(WAIT)
        .until(() -> annotation(client, "sync", "web", FlycastAnnotations.SYNC_VERSION) != null);
    String v1 = annotation(client, "sync", "web", FlycastAnnotations.SYNC_VERSION);

    // A label change is not routing-relevant: the version stays.
    patchService(client, "sync", "web", "{\"metadata\":{\"labels\":{\"team\":\"a\"}}}");
    await()
        .during(Duration.ofSeconds(1))
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(annotation(client, "sync", "web", FlycastAnnotations.SYNC_VERSION))
                    .isEqualTo(v1));

    // A handler change is: the version moves to the catalog version that routes it.
    patchService(
        client,
        "sync",
        "web",
        "{\"metadata\":{\"annotations\":{\"" + FlycastAnnotations.handlers(80) + "\":\"http\"}}}");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Route r = route("sync", "web");
              assertThat(r.spec().port(80).handlers())
                  .containsExactly(io.flycast.catalog.Handler.HTTP);
              assertThat(annotation(client, "sync", "web", FlycastAnnotations.SYNC_VERSION))
                  .isEqualTo(Long.toString(r.specVersion()));
              assertThat(
                      Long.parseLong(
                          annotation(client, "sync", "web", FlycastAnnotations.SYNC_VERSION)))
                  .isGreaterThan(Long.parseLong(v1));
            });
  }

  /** The Service's condition of {@code type}, as "Status/Reason: message", or null. */
  static String condition(String ns, String name, String type) {
    Service s = client.services().inNamespace(ns).withName(name).get();
    return s == null || s.getStatus() == null || s.getStatus().getConditions() == null
        ? null
        : s.getStatus().getConditions().stream()
            .filter(c -> type.equals(c.getType()))
            .map(c -> c.getStatus() + "/" + c.getReason() + ": " + c.getMessage())
            .findFirst()
            .orElse(null);
  }

  @Test
  void namespaceLabelOptsInAndOut() {
    namespace("labelled", Map.of());
    client
        .services()
        .inNamespace("labelled")
        .resource(service("labelled", "api", Map.of()))
        .create();
    await()
        .during(Duration.ofMillis(500))
        .atMost(WAIT)
        .until(() -> addressOf(client, "labelled", "api") == null);

    client
        .namespaces()
        .withName("labelled")
        .edit(
            n -> {
              n.getMetadata().setLabels(Map.of(FlycastAnnotations.NAMESPACE_LABEL, "enabled"));
              return n;
            });
    await()
        .atMost(WAIT)
        .until(
            () -> addressOf(client, "labelled", "api") != null && route("labelled", "api") != null);
    InetAddress addr = addressOf(client, "labelled", "api");
    await()
        .atMost(WAIT)
        .until(() -> condition("labelled", "api", ServiceReconciler.SYNCED) != null);

    client
        .namespaces()
        .withName("labelled")
        .edit(
            n -> {
              n.getMetadata().setLabels(Map.of());
              return n;
            });
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(route("labelled", "api")).isNull();
              assertThat(annotation(client, "labelled", "api", FlycastAnnotations.FLYCAST_IP))
                  .isNull();
              assertThat(
                      client
                          .resources(FlycastIP.class)
                          .withName(FlycastAddressPool.objectName(addr))
                          .get())
                  .isNull();
              assertThat(condition("labelled", "api", ServiceReconciler.ALLOCATED))
                  .isNull(); // our conditions leave too
              assertThat(condition("labelled", "api", ServiceReconciler.SYNCED)).isNull();
            });
  }

  @Test
  void deleteReleasesAndRecreateWorks() {
    namespace("churn", Map.of());
    client.services().inNamespace("churn").resource(flycastService("churn", "db")).create();
    await().atMost(WAIT).until(() -> route("churn", "db") != null);
    InetAddress first = addressOf(client, "churn", "db");

    client.services().inNamespace("churn").withName("db").delete();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(route("churn", "db")).isNull();
              assertThat(
                      client
                          .resources(FlycastIP.class)
                          .withName(FlycastAddressPool.objectName(first))
                          .get())
                  .isNull();
            });

    client.services().inNamespace("churn").resource(flycastService("churn", "db")).create();
    await().atMost(WAIT).until(() -> route("churn", "db") != null);
    assertThat(addressOf(client, "churn", "db")).isNotNull();
  }

  @Test
  void requestedAddressHonouredWhenFreeAndReportedWhenTakenOrOutside() {
    namespace("req", Map.of());
    String wanted = "fdaa:0:48c8:0:1::abcd";
    client
        .services()
        .inNamespace("req")
        .resource(
            service(
                "req",
                "a",
                Map.of(
                    FlycastAnnotations.FLYCAST,
                    "true",
                    FlycastAnnotations.FLYCAST_IP_REQUEST,
                    wanted)))
        .create();
    await().atMost(WAIT).until(() -> route("req", "a") != null);
    assertThat(annotation(client, "req", "a", FlycastAnnotations.FLYCAST_IP)).isEqualTo(wanted);

    client
        .services()
        .inNamespace("req")
        .resource(
            service(
                "req",
                "b",
                Map.of(
                    FlycastAnnotations.FLYCAST,
                    "true",
                    FlycastAnnotations.FLYCAST_IP_REQUEST,
                    wanted)))
        .create();
    client
        .services()
        .inNamespace("req")
        .resource(
            service(
                "req",
                "c",
                Map.of(
                    FlycastAnnotations.FLYCAST,
                    "true",
                    FlycastAnnotations.FLYCAST_IP_REQUEST,
                    "fd00::1")))
        .create();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(events("req", "b", "RequestedAddressTaken"))
                  .anyMatch(m -> m.contains(wanted) && m.contains("req/a"));
              assertThat(events("req", "c", "RequestedAddressOutOfRange"))
                  .anyMatch(m -> m.contains("fd00::1"));
              assertThat(condition("req", "c", ServiceReconciler.ALLOCATED))
                  .startsWith("False/RequestedAddressOutOfRange: ")
                  .contains("fd00::1");
            });
    assertThat(annotation(client, "req", "b", FlycastAnnotations.FLYCAST_IP)).isNull();
    assertThat(route("req", "a").spec().address().getHostAddress()).contains("abcd");
  }

  @Test
  void badAnnotationsWarnAndFallBackWithoutStoppingTheRoute() {
    namespace("bad", Map.of());
    client
        .services()
        .inNamespace("bad")
        .resource(
            service(
                "bad",
                "web",
                Map.of(
                    FlycastAnnotations.FLYCAST,
                    "true",
                    FlycastAnnotations.CONCURRENCY_SOFT,
                    "lots",
                    FlycastAnnotations.CONCURRENCY_KIND,
                    "requests",
                    FlycastAnnotations.handlers(80),
                    "http,carrier-pigeon")))
        .create();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Route r = route("bad", "web");
              assertThat(r).isNotNull();
              assertThat(r.spec().concurrency())
                  .isEqualTo(
                      new Concurrency(ConcurrencyType.REQUESTS, 20, Concurrency.NO_HARD_LIMIT));
              assertThat(r.spec().port(80).handlers()).isEmpty();
              assertThat(events("bad", "web", "InvalidAnnotation"))
                  .anyMatch(
                      m -> m.contains(FlycastAnnotations.CONCURRENCY_SOFT) && m.contains("lots"))
                  .anyMatch(m -> m.contains("carrier-pigeon"));
              // The same on the Service itself, for `kubectl get svc -o yaml` and `kubectl wait`.
              assertThat(condition("bad", "web", ServiceReconciler.VALID))
                  .startsWith("False/InvalidAnnotation: ")
                  .contains("lots")
                  .contains("carrier-pigeon");
              assertThat(condition("bad", "web", ServiceReconciler.ALLOCATED))
                  .startsWith("True/Allocated: Flycast address ");
              assertThat(condition("bad", "web", ServiceReconciler.SYNCED))
                  .isEqualTo(
                      "True/Routed: routed in catalog version "
                          + route("bad", "web").specVersion());
            });

    // Fixed: the condition turns True.
    patchService(
        client,
        "bad",
        "web",
        "{\"metadata\":{\"annotations\":{\""
            + FlycastAnnotations.CONCURRENCY_SOFT
            + "\":\"5\",\""
            + FlycastAnnotations.handlers(80)
            + "\":\"http\"}}}");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(condition("bad", "web", ServiceReconciler.VALID))
                    .isEqualTo("True/Valid: annotations are valid"));
  }

  @Test
  void aMissingOrUnusableTlsSecretIsAWarningEventOnTheService() {
    namespace("tls", Map.of());
    var pem = TlsSecrets.Pem.selfSigned("api.example.com");
    var other = TlsSecrets.Pem.selfSigned("api.example.com");
    client
        .services()
        .inNamespace("tls")
        .resource(
            service(
                "tls",
                "api",
                Map.of(
                    FlycastAnnotations.FLYCAST,
                    "true",
                    FlycastAnnotations.handlers(80),
                    "tls,http",
                    FlycastAnnotations.tlsSecret(80),
                    "api-tls")))
        .create();
    String prefix = "port 80 (service.fly.io/80-tls-secret): TLS Secret 'tls/api-tls'";
    String suffix = ". TLS handshakes on port 80 fail until then";
    await()
        .atMost(WAIT)
        .ignoreExceptions() // the route is not in the catalog at first
        .untilAsserted(
            () -> {
              assertThat(route("tls", "api").spec().port(80).tls().secretName())
                  .isEqualTo("api-tls");
              assertThat(events("tls", "api", "InvalidAnnotation"))
                  .contains(
                      prefix
                          + " does not exist (or is not of type kubernetes.io/tls); create it:"
                          + " kubectl create secret tls api-tls -n tls --cert=CHAIN.pem"
                          + " --key=KEY.pem"
                          + suffix);
            });

    // The Secret's events reach the Service that names it.
    client
        .secrets()
        .inNamespace("tls")
        .resource(TlsSecrets.secret("tls", "api-tls", null, pem.certificate(), "y"))
        .create();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(events("tls", "api", "InvalidAnnotation"))
                    .contains(
                        prefix
                            + ": tls.key is not a PEM private key (no -----BEGIN PRIVATE KEY-----"
                            + " block); put the certificate's private key in it (PKCS#8, PKCS#1 RSA"
                            + " or SEC1 EC)"
                            + suffix));

    var mismatched =
        TlsSecrets.secret("tls", "api-tls", null, pem.certificate(), other.key()).getData();
    client
        .secrets()
        .inNamespace("tls")
        .withName("api-tls")
        .edit(
            s -> {
              s.setData(mismatched);
              return s;
            });
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(events("tls", "api", "InvalidAnnotation"))
                    .contains(
                        prefix
                            + ": the private key in tls.key does not belong to the certificate in"
                            + " tls.crt (CN=api.example.com); put the certificate's own key in"
                            + " tls.key, or the key's certificate first in tls.crt"
                            + suffix));
    assertThat(route("tls", "api")).isNotNull();
  }

  @Test
  void endpointSlicesBecomeBackendsAndDebugCatalogShowsThem() throws Exception {
    namespace("eps", Map.of());
    client.services().inNamespace("eps").resource(flycastService("eps", "web")).create();
    client
        .discovery()
        .v1()
        .endpointSlices()
        .inNamespace("eps")
        .resource(
            new EndpointSliceBuilder()
                .withNewMetadata()
                .withName("web-abc")
                .withLabels(Map.of(FlycastAnnotations.SERVICE_NAME_LABEL, "web"))
                .endMetadata()
                .withAddressType("IPv4")
                .addNewEndpoint()
                .withAddresses("127.0.0.10")
                .withNewConditions()
                .withReady(true)
                .endConditions()
                .withNewTargetRef()
                .withKind("Pod")
                .withName("web-1")
                .endTargetRef()
                .withZone("ord")
                .endEndpoint()
                .addNewEndpoint()
                .withAddresses("127.0.0.11")
                .withNewConditions()
                .withReady(false)
                .withServing(true)
                .withTerminating(true)
                .endConditions()
                .withNewTargetRef()
                .withKind("Pod")
                .withName("web-2")
                .endTargetRef()
                .withZone("ord")
                .endEndpoint()
                .addNewPort()
                .withName("http")
                .withPort(8080)
                .endPort()
                .build())
        .create();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Route r = route("eps", "web");
              assertThat(r).isNotNull();
              assertThat(r.backends())
                  .extracting(b -> b.name() + ":" + b.acceptsNewWork() + ":" + b.zone())
                  .containsExactly("web-1:true:ord", "web-2:false:ord");
            });
    var http = HttpClient.newHttpClient();
    var resp =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + flycast.admin().address().getPort()
                            + "/debug/catalog"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.body())
        .contains(
            "\"name\":\"web\"",
            "\"namespace\":\"eps\"",
            "web-1",
            "\"state\":\"draining\"",
            "web.eps.flycast");
    var ready =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + flycast.admin().address().getPort() + "/readyz"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(ready.statusCode()).isEqualTo(200);
  }

  @Test
  void loadBalancerOfFlycastClassGetsIngressIp() {
    namespace("lb", Map.of());
    Service svc = flycastService("lb", "edge");
    svc.getSpec().setType("LoadBalancer");
    svc.getSpec().setLoadBalancerClass(FlycastAnnotations.LOAD_BALANCER_CLASS);
    client.services().inNamespace("lb").resource(svc).create();
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              Service s = client.services().inNamespace("lb").withName("edge").get();
              String ip = s.getMetadata().getAnnotations().get(FlycastAnnotations.FLYCAST_IP);
              assertThat(ip).isNotNull();
              // The annotation is written before the status: a read in between sees none yet.
              assertThat(s.getStatus().getLoadBalancer().getIngress())
                  .extracting(i -> i.getIp())
                  .containsExactly(ip);
            });
  }

  @Test
  void conditionsOfOtherControllersOnTheServiceStay() {
    namespace("shared", Map.of());
    Service svc = flycastService("shared", "web");
    client.services().inNamespace("shared").resource(svc).create();
    // Another controller's write, retried on a conflict with the operator's own writes, as it
    // would.
    await()
        .atMost(WAIT)
        .ignoreExceptionsInstanceOf(io.fabric8.kubernetes.client.KubernetesClientException.class)
        .until(
            () ->
                client
                        .services()
                        .inNamespace("shared")
                        .withName("web")
                        .editStatus(
                            s -> {
                              s.setStatus(
                                  new io.fabric8.kubernetes.api.model.ServiceStatusBuilder()
                                      .addNewCondition()
                                      .withType("example.com/Audited")
                                      .withStatus("True")
                                      .withReason("Checked")
                                      .withMessage("by someone else")
                                      .withLastTransitionTime("2026-01-01T00:00:00Z")
                                      .endCondition()
                                      .build());
                              return s;
                            })
                    != null);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(condition("shared", "web", ServiceReconciler.SYNCED))
                  .startsWith("True/Routed");
              assertThat(condition("shared", "web", "example.com/Audited"))
                  .isEqualTo("True/Checked: by someone else");
            });
    // Settled: no more writes (each would be an update event, reconciled, and could write again).
    var lastSeen = new java.util.concurrent.atomic.AtomicReference<String>();
    await()
        .during(Duration.ofMillis(1500))
        .atMost(WAIT)
        .until(
            () -> {
              String rv =
                  client
                      .services()
                      .inNamespace("shared")
                      .withName("web")
                      .get()
                      .getMetadata()
                      .getResourceVersion();
              return rv.equals(lastSeen.getAndSet(rv));
            });
  }
}
