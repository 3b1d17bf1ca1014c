package io.flycast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.flycast.api.ExposedService;
import io.flycast.embedded.ManifestApplier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The chart's RBAC against what the operator really does, in each mode the chart's values select
 * ({@link ChartMode#COVERING}): for each, {@code helm template} with those values, the packaged jar
 * started with the flags and environment of that render (adapted to run here: loopback listeners, a
 * kubeconfig), against one embedded API hosted by this JVM, with a token of its own. The mode's
 * work is done through it (routes, a TLS Secret, autostart and autostop where enabled, a custom
 * scale target where listed, a deletion), then every request it sent must be granted by that
 * render's ClusterRole, or by a Role of the namespace it was made in. The grants a mode never used
 * are printed, for review.
 */
class ChartRbacE2E {
  static final Duration WAIT = Duration.ofSeconds(30);
  static final String TLS_NAMESPACE = ChartMode.TLS_NAMESPACE;
  static final ResourceDefinitionContext WIDGETS =
      new ResourceDefinitionContext.Builder()
          .withGroup("example.com")
          .withVersion("v1")
          .withKind("Widget")
          .withPlural("widgets")
          .withNamespaced(true)
          .build();

  static Helm helm;
  static EmbeddedCluster cluster;
  static KubernetesClient client;
  static Pem pem;

  /** Every grant some mode rendered, and whether some mode used it. */
  static final Map<String, Boolean> used = new java.util.TreeMap<>();

  /** A certificate and its key, as PEM. */
  record Pem(String certificate, String key) {}

  @BeforeAll
  static void start() throws Exception {
    helm = Helm.fromRepo(Helm.repoRoot());
    cluster = EmbeddedCluster.start();
    client = cluster.client();
    pem = selfSigned("secure." + TLS_NAMESPACE + ".flycast");
    apply(resource("rbac/shared.yaml"));
    tlsSecret(TLS_NAMESPACE, "secure-tls");
    var widget = new GenericKubernetesResource();
    widget.setApiVersion("example.com/v1");
    widget.setKind("Widget");
    widget.setMetadata(new ObjectMetaBuilder().withNamespace("work").withName("w1").build());
    widget.setAdditionalProperty("spec", Map.of("replicas", 0));
    client.genericKubernetesResources(WIDGETS).inNamespace("work").resource(widget).create();
  }

  @AfterAll
  static void stop() {
    var never = used.entrySet().stream().filter(e -> !e.getValue()).map(Map.Entry::getKey).toList();
    System.out.println("[rbac] grants no mode used (" + never.size() + "): " + never);
    if (cluster != null) {
      cluster.close();
    }
  }

  static Stream<ChartMode> modes() {
    return ChartMode.COVERING.stream();
  }

  @Test
  void theModesCoverEveryPairOfValues() {
    assertThat(ChartMode.pairsNotCovered(ChartMode.COVERING)).isEmpty();
    // And the check notices a pair left out.
    assertThat(ChartMode.pairsNotCovered(ChartMode.COVERING.subList(1, ChartMode.COVERING.size())))
        .isNotEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("modes")
  void everyRequestOfTheOperatorIsGrantedByThatModesRbac(ChartMode mode) throws Exception {
    int n = ChartMode.COVERING.indexOf(mode) + 1;
    String release = "rbac-" + n;
    String token = "flycast-" + n;
    long started = System.nanoTime();
    Manifests rendered = render(mode, release);
    RenderedRbac rbac = RenderedRbac.of(rendered);
    List<String> args =
        rendered
            .single(Deployment.class)
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0)
            .getArgs();
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(release).endMetadata().build())
        .create();
    try (FlycastProcess flycast =
        FlycastProcess.startWithRenderedArgs(
            cluster.kubeconfig(token).toString(),
            args,
            // What the chart's downward API sets.
            Map.of("POD_NAME", token, "POD_NAMESPACE", release, "POD_IP", "127.0.0.1"))) {
      exercise(mode, flycast, "app-" + n);
    }

    List<ApiRequest> requests = cluster.requestsBy(token);
    assertThat(requests).as("requests of %s", token).isNotEmpty();
    List<String> denied =
        requests.stream()
            .filter(r -> !rbac.grants(r))
            .map(ApiRequest::grantWhere)
            .distinct()
            .sorted()
            .toList();
    SortedSet<String> unused = rbac.unusedBy(requests);
    unused.forEach(g -> used.putIfAbsent(g, false));
    rbac.unusedBy(List.of()).stream()
        .filter(g -> !unused.contains(g))
        .forEach(g -> used.put(g, true));
    System.out.printf(
        "[rbac] %s (%s, %d s): %d requests, %d denied %s; grants unused (%d): %s%n",
        mode,
        String.join(" ", args),
        Duration.ofNanos(System.nanoTime() - started).toSeconds(),
        requests.size(),
        denied.size(),
        denied,
        unused.size(),
        unused);
    assertThat(denied).as("requests the RBAC rendered for %s does not grant", mode).isEmpty();
  }

  /** What the mode's operator is there for, each step checked so that it did happen. */
  static void exercise(ChartMode mode, FlycastProcess flycast, String ns) throws Exception {
    apply(resource("rbac/mode.yaml").replace("NAMESPACE", ns));
    tlsSecret(ns, "web-tls");

    // Allocation, owned Service, status and conditions of an ExposedService; its TLS Secret read,
    // or (Secrets read elsewhere only) reported as not readable.
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              ExposedService web = exposed(ns, "web");
              assertThat(web.getStatus().address).isNotNull();
              Condition valid = condition(web, "Valid");
              if (mode.secretNamespaces()) {
                assertThat(valid.getMessage())
                    .contains(
                        "TLS Secret '" + ns + "/web-tls' cannot be read", "tls.secretNamespaces");
              } else {
                assertThat(valid.getStatus()).as(valid.getMessage()).isEqualTo("True");
              }
              assertThat(client.services().inNamespace(ns).withName("web").get()).isNotNull();
            });
    // Annotated Services: the address annotation, and status for Flycast's LoadBalancer class.
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              String api = annotation(ns, "api");
              assertThat(api).isNotNull();
              Service lb = client.services().inNamespace(ns).withName("lb").get();
              assertThat(lb.getStatus().getLoadBalancer().getIngress().get(0).getIp())
                  .isEqualTo(annotation(ns, "lb"));
            });
    if (mode.fks()) {
      await().atMost(WAIT).until(() -> annotation(ns, "plain") != null);
    } else {
      assertThat(annotation(ns, "plain")).as("a Service not annotated, without FKS mode").isNull();
    }
    // The certificate of the listed namespace's Secret is what the proxy serves.
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () ->
                assertThat(servedSubject(flycast.tlsPort, "secure." + TLS_NAMESPACE + ".flycast"))
                    .isEqualTo("CN=secure." + TLS_NAMESPACE + ".flycast"));

    if (mode.scales()) {
      // Autostart (the target inferred from the selector), then autostop when idle.
      await()
          .atMost(WAIT)
          .until(() -> flycast.viaProxy("sleepy.work.flycast", "/").statusCode() == 200);
      await().atMost(WAIT).until(() -> replicas("sleepy") == 0);
    } else {
      await()
          .atMost(WAIT)
          .ignoreExceptions()
          .untilAsserted(
              () -> {
                var r = flycast.viaProxy("sleepy.work.flycast", "/");
                assertThat(r.statusCode()).isEqualTo(503);
                assertThat(r.body()).contains("autostart is off");
                assertThat(condition(exposed("work", "sleepy"), "Valid").getMessage())
                    .contains("autoscale is off in this install", "autoscale.enabled=true");
              });
      assertThat(replicas("sleepy")).isZero();
    }

    if (mode.scalesWidgets()) {
      // Autostart scales the Widget (its /scale); nothing runs its pods, so the request is held
      // until the client goes.
      await()
          .atMost(WAIT)
          .until(() -> flycast.get("/debug/catalog").body().contains("\"name\":\"widget\""));
      try (var held = new java.net.Socket("127.0.0.1", flycast.httpPort)) {
        held.getOutputStream()
            .write(
                "GET / HTTP/1.1\r\nHost: widget.work.flycast\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
        await().atMost(WAIT).until(() -> widgetReplicas() == 1);
      } // closed: the proxy need not wait for it at shutdown
      client
          .genericKubernetesResources(WIDGETS)
          .inNamespace("work")
          .withName("w1")
          .edit(
              w -> {
                w.setAdditionalProperty("spec", Map.of("replicas", 0));
                return w;
              });
    } else {
      await()
          .atMost(WAIT)
          .ignoreExceptions()
          .untilAsserted(
              () ->
                  assertThat(condition(exposed("work", "widget"), "Valid").getMessage())
                      .contains(
                          "names Widget (example.com/v1)",
                          mode.scales()
                              ? "autoscale.extraScaleTargets"
                              : "set the chart value autoscale.enabled=true and add"));
      assertThat(widgetReplicas()).isZero();
    }

    // Deletion: the finalizer comes off and the address is released.
    client.resources(ExposedService.class).inNamespace(ns).withName("web").delete();
    await().atMost(WAIT).until(() -> exposed(ns, "web") == null);
  }

  static Manifests render(ChartMode mode, String namespace) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "template",
                "flycast",
                "charts/flycast",
                "--namespace",
                namespace,
                // Values that make it run here; they change no request: autostop soon, loopback
                // clients
                // trusted (routes are private), as node addresses would be.
                "--set",
                "autostopInterval=1s",
                "--set",
                "trustedCidrs={127.0.0.0/8}"));
    args.addAll(mode.helmArgs());
    return Manifests.parse(helm.run(args.toArray(String[]::new)).assertSuccess().stdout());
  }

  static ExposedService exposed(String ns, String name) {
    return client.resources(ExposedService.class).inNamespace(ns).withName(name).get();
  }

  static Condition condition(ExposedService es, String type) {
    return es.getStatus().conditions.stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst()
        .orElseThrow();
  }

  static String annotation(String ns, String service) {
    var ann =
        client.services().inNamespace(ns).withName(service).get().getMetadata().getAnnotations();
    return ann == null ? null : ann.get("fly.io/flycast-ip");
  }

  static int replicas(String deployment) {
    return client
        .apps()
        .deployments()
        .inNamespace("work")
        .withName(deployment)
        .get()
        .getSpec()
        .getReplicas();
  }

  static int widgetReplicas() {
    Object spec =
        client
            .genericKubernetesResources(WIDGETS)
            .inNamespace("work")
            .withName("w1")
            .get()
            .getAdditionalProperties()
            .get("spec");
    return ((Number) ((Map<?, ?>) spec).get("replicas")).intValue();
  }

  static String resource(String name) throws Exception {
    try (var in = ChartRbacE2E.class.getClassLoader().getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** Applies YAML as kubectl apply would. */
  static void apply(String yaml) throws Exception {
    Path dir = Files.createTempDirectory("rbac-manifests");
    Files.writeString(dir.resolve("objects.yaml"), yaml);
    new ManifestApplier(client).applyDirectory(dir);
  }

  static void tlsSecret(String ns, String name) {
    var b64 = Base64.getEncoder();
    client
        .secrets()
        .inNamespace(ns)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withNamespace(ns)
                .withName(name)
                .endMetadata()
                .withType("kubernetes.io/tls")
                .withData(
                    Map.of(
                        "tls.crt",
                        b64.encodeToString(pem.certificate().getBytes(StandardCharsets.US_ASCII)),
                        "tls.key",
                        b64.encodeToString(pem.key().getBytes(StandardCharsets.US_ASCII))))
                .build())
        .create();
  }

  static Pem selfSigned(String cn) throws Exception {
    Path dir = Files.createTempDirectory("rbac-cert");
    Path key = dir.resolve("key.pem");
    Path cert = dir.resolve("cert.pem");
    Process p =
        new ProcessBuilder(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                key.toString(),
                "-out",
                cert.toString(),
                "-days",
                "2",
                "-subj",
                "/CN=" + cn)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("openssl: %s", out).isZero();
    return new Pem(Files.readString(cert), Files.readString(key));
  }

  /** The subject of the certificate the TLS listener serves for {@code sni}. */
  static String servedSubject(int port, String sni) throws Exception {
    javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
    ctx.init(
        null,
        new javax.net.ssl.TrustManager[] {
          new javax.net.ssl.X509TrustManager() {
            @Override
            public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {}

            @Override
            public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {}

            @Override
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
              return new java.security.cert.X509Certificate[0];
            }
          }
        },
        null);
    try (var socket =
        (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
      var params = socket.getSSLParameters();
      params.setServerNames(List.of(new javax.net.ssl.SNIHostName(sni)));
      socket.setSSLParameters(params);
      socket.setSoTimeout(10_000);
      socket.startHandshake();
      var leaf = (java.security.cert.X509Certificate) socket.getSession().getPeerCertificates()[0];
      return leaf.getSubjectX500Principal().getName();
    }
  }
}
