package io.flycast.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.flycast.Flycast;
import io.flycast.FlycastConfig;
import io.flycast.catalog.Backend;
import io.flycast.catalog.Route;
import io.flycast.catalog.RouteKey;
import io.flycast.control.translate.EndpointSliceTranslator;
import io.flycast.embedded.EmbeddedApiServer;
import io.flycast.embedded.runtime.LocalRuntime;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Service ports as real clusters have them, end to end: the embedded API, the local runtime
 * publishing EndpointSlices as the EndpointSlice controller does, Flycast's proxy on a real socket.
 */
class TargetPortIT {
  static final Duration WAIT = Duration.ofSeconds(60);
  static EmbeddedApiServer api;
  static KubernetesClient client;
  static LocalRuntime runtime;
  static Flycast flycast;
  static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    api = new EmbeddedApiServer().start(0);
    client = api.client();
    runtime = new LocalRuntime(client).closeGrace(Duration.ofSeconds(2)).start();
    flycast =
        new Flycast(
                FlycastConfig.forTests(false)
                    .withProxy(new InetSocketAddress("127.0.0.1", 0), null),
                client)
            .start();
  }

  @AfterAll
  static void stop() {
    flycast.close();
    runtime.close();
    api.close();
  }

  static void namespace(String ns) {
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
  }

  /**
   * A Deployment of echo pods labelled app={@code app}, listening on a container port named http.
   */
  static void deployment(String ns, String name, String app, int httpPort) {
    client
        .apps()
        .deployments()
        .inNamespace(ns)
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withNewSpec()
                .withReplicas(1)
                .withNewSelector()
                .addToMatchLabels("pod", name)
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("pod", name)
                .addToLabels("app", app)
                .endMetadata()
                .withNewSpec()
                .withTerminationGracePeriodSeconds(2L)
                .addNewContainer()
                .withName("echo")
                .withImage("echo")
                .addNewPort()
                .withName("http")
                .withContainerPort(httpPort)
                .endPort()
                // Ready once it listens (without a probe, Ready once started, as on a cluster).
                .withNewReadinessProbe()
                .withNewTcpSocket()
                .withPort(new IntOrString("http"))
                .endTcpSocket()
                .withPeriodSeconds(1)
                .endReadinessProbe()
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
  }

  /** A Flycast Service for app={@code app}: port 80, {@code targetPort: http}, the http handler. */
  static void namedTargetPortService(String ns, String app) {
    client
        .services()
        .inNamespace(ns)
        .resource(
            new ServiceBuilder()
                .withNewMetadata()
                .withName(app)
                .withNamespace(ns)
                .withAnnotations(
                    Map.of(
                        FlycastAnnotations.FLYCAST,
                        "true",
                        FlycastAnnotations.handlers(80),
                        "http"))
                .endMetadata()
                .withNewSpec()
                .withSelector(Map.of("app", app))
                .addNewPort()
                .withName("web")
                .withPort(80)
                .withTargetPort(new IntOrString("http"))
                .withProtocol("TCP")
                .endPort()
                .endSpec()
                .build())
        .create();
  }

  static Route route(String ns, String name) {
    return flycast.catalog().current().route(new RouteKey(ns, name));
  }

  static HttpResponse<String> get(String ns, String name, String... headers) throws Exception {
    var b =
        HttpRequest.newBuilder(
                URI.create(
                    "http://127.0.0.1:" + flycast.proxy().httpAddress().getPort() + "/hello"))
            .header("Host", name + "." + ns + ".flycast")
            .timeout(Duration.ofSeconds(20));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aNamedTargetPortIsDialedOnTheContainerPortOfThatName() throws Exception {
    String ns = "named";
    namespace(ns);
    deployment(ns, "web", "web", 9090);
    namedTargetPortService(ns, "web");
    await()
        .atMost(WAIT)
        .until(
            () -> {
              Route r = route(ns, "web");
              return r != null && r.backends().size() == 1 && r.backends().get(0).acceptsNewWork();
            });
    assertThat(route(ns, "web").spec().port(80).targetPortName()).isEqualTo("http");
    Backend b = route(ns, "web").backends().get(0);
    assertThat(b.ports()).containsExactly(Map.entry("web", 9090));

    HttpResponse<String> r = get(ns, "web");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"pod\":\"" + b.name() + "\"", "\"path\":\"/hello\"");
  }

  @Test
  void podsResolvingTheNameToDifferentNumbersAreEachDialedOnTheirOwn() throws Exception {
    String ns = "mixed";
    namespace(ns);
    deployment(ns, "blue", "shop", 9091);
    deployment(ns, "green", "shop", 9092);
    namedTargetPortService(ns, "shop");
    await()
        .atMost(WAIT)
        .until(
            () -> {
              Route r = route(ns, "shop");
              return r != null
                  && r.backends().size() == 2
                  && r.backends().stream().allMatch(Backend::acceptsNewWork);
            });
    // The local runtime, like the EndpointSlice controller, puts them in two slices.
    assertThat(client.discovery().v1().endpointSlices().inNamespace(ns).list().getItems())
        .hasSize(2);
    for (Backend b : route(ns, "shop").backends()) {
      int expected = b.name().startsWith("blue-") ? 9091 : 9092;
      assertThat(b.ports()).containsExactly(Map.entry("web", expected));
      HttpResponse<String> r = get(ns, "shop", "fly-force-instance-id", b.name());
      assertThat(r.statusCode()).as("through %s", b.name()).isEqualTo(200);
      assertThat(r.body()).contains("\"pod\":\"" + b.name() + "\"");
    }
  }

  /** A selectorless Service with hand-written slices, one per family, both for one pod. */
  static void dualStack(String ns, String name, List<String> ipFamilies) {
    namespace(ns);
    Service svc =
        new ServiceBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(ns)
            .withAnnotations(Map.of(FlycastAnnotations.FLYCAST, "true"))
            .endMetadata()
            .withNewSpec()
            .withIpFamilies(ipFamilies)
            .withIpFamilyPolicy(ipFamilies.size() > 1 ? "RequireDualStack" : null)
            .addNewPort()
            .withName("db")
            .withPort(5432)
            .withTargetPort(new IntOrString(5432))
            .withProtocol("TCP")
            .endPort()
            .endSpec()
            .build();
    client.services().inNamespace(ns).resource(svc).create();
    for (String[] family :
        List.of(new String[] {"IPv4", "10.1.0.5"}, new String[] {"IPv6", "fd00:10:1::5"})) {
      client
          .discovery()
          .v1()
          .endpointSlices()
          .inNamespace(ns)
          .resource(
              new EndpointSliceBuilder()
                  .withNewMetadata()
                  .withName(name + "-" + family[0].toLowerCase(Locale.ROOT))
                  .withNamespace(ns)
                  .withLabels(Map.of(FlycastAnnotations.SERVICE_NAME_LABEL, name))
                  .endMetadata()
                  .withAddressType(family[0])
                  .addNewEndpoint()
                  .withAddresses(family[1])
                  .withNewConditions()
                  .withReady(true)
                  .endConditions()
                  .withTargetRef(
                      new ObjectReferenceBuilder()
                          .withKind("Pod")
                          .withNamespace(ns)
                          .withName(name + "-0")
                          .build())
                  .endEndpoint()
                  .addNewPort()
                  .withName("db")
                  .withPort(5432)
                  .withProtocol("TCP")
                  .endPort()
                  .build())
          .create();
    }
  }

  @Test
  void aDualStackPodIsOneBackendAtTheServicesPrimaryFamily() {
    dualStack("ds-v4", "db", List.of("IPv4", "IPv6"));
    dualStack("ds-v6", "db", List.of("IPv6", "IPv4"));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Route v4 = route("ds-v4", "db");
              Route v6 = route("ds-v6", "db");
              assertThat(v4).isNotNull();
              assertThat(v6).isNotNull();
              assertThat(v4.backends())
                  .singleElement()
                  .satisfies(
                      b -> {
                        assertThat(b.name()).isEqualTo("db-0");
                        assertThat(b.address().getHostAddress()).isEqualTo("10.1.0.5");
                      });
              assertThat(v6.backends())
                  .singleElement()
                  .satisfies(
                      b -> {
                        assertThat(b.name()).isEqualTo("db-0");
                        assertThat(b.address())
                            .isEqualTo(EndpointSliceTranslator.literal("fd00:10:1::5"));
                      });
            });
  }
}
