package io.flycast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged jar in embedded mode with examples/ applied, driven as a user would: read status and
 * annotations through the kubeconfig it writes, resolve names with the real dig, use kubectl.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class EmbeddedModeE2E {
  static final Duration WAIT = Duration.ofSeconds(60);
  static final ResourceDefinitionContext EXSVC =
      new ResourceDefinitionContext.Builder()
          .withGroup("fly.io")
          .withVersion("v1alpha1")
          .withKind("ExposedService")
          .withPlural("exposedservices")
          .withNamespaced(true)
          .build();
  static FlycastProcess flycast;
  static KubernetesClient client;

  @BeforeAll
  static void start() throws Exception {
    flycast =
        FlycastProcess.startEmbedded(
            "--apply",
            FlycastProcess.repo().resolve("examples").toString(),
            "--autostop-interval",
            "2s");
    client = flycast.client();
  }

  @AfterAll
  static void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    if (flycast != null) {
      flycast.close();
    }
  }

  /**
   * Every curl line the start banner prints gets an answer on this machine, as a newcomer would
   * paste it: the secure example's included, which redirects plain HTTP to an https URL that
   * resolves nowhere here, so its line goes to the TLS listener instead.
   */
  @Test
  void everyCurlLineTheBannerPrintsAnswers() throws Exception {
    await()
        .atMost(WAIT)
        .until(() -> Files.readString(flycast.log).contains("secure.default.flycast"));
    List<String> lines =
        Files.readString(flycast.log)
            .lines()
            .map(l -> l.replaceFirst("^\\s*(route ready: )?", ""))
            .filter(l -> l.startsWith("curl "))
            .distinct()
            .toList();
    assertThat(lines)
        .anyMatch(l -> l.startsWith("curl -k --resolve secure.default.flycast:"))
        .anyMatch(l -> l.contains("web.default.flycast"));
    for (String line : lines) {
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                Process p =
                    new ProcessBuilder(
                            "bash",
                            "-c",
                            line.replaceFirst(
                                "^curl ", "curl -s -o /dev/null -w '%{http_code}' --max-time 20 "))
                        .start();
                String code =
                    new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                p.waitFor();
                assertThat(code).as(line).isEqualTo("200");
              });
    }
  }

  @Test
  void exposedServiceExampleGetsAnAddressAndIsRouted() {
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              GenericKubernetesResource web =
                  client
                      .genericKubernetesResources(EXSVC)
                      .inNamespace("default")
                      .withName("web")
                      .get();
              @SuppressWarnings("unchecked")
              Map<String, Object> status =
                  (Map<String, Object>) web.getAdditionalProperties().get("status");
              assertThat((String) status.get("address")).startsWith("fdaa:0:48c8:0:1:");
              assertThat(status.get("ports")).isEqualTo("80/http");
              assertThat(flycast.get("/debug/catalog").body())
                  .contains("\"name\":\"web\"", (String) status.get("address"));
            });
  }

  @Test
  void namespaceLabelExampleIsExposedAndMarkedLikeFks() {
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              Service api = client.services().inNamespace("team-a").withName("api").get();
              Map<String, String> ann = api.getMetadata().getAnnotations();
              assertThat(ann)
                  .containsEntry("fly.io/clusterip-allocator", "configured")
                  .containsKey("service.fly.io/sync-version");
              assertThat(ann.get("fly.io/flycast-ip")).startsWith("fdaa:0:48c8:0:1:");
            });
  }

  @Test
  void digResolvesTheFlycastName() throws Exception {
    String address =
        await()
            .atMost(WAIT)
            .ignoreExceptions()
            .until(
                () ->
                    client
                        .services()
                        .inNamespace("team-a")
                        .withName("api")
                        .get()
                        .getMetadata()
                        .getAnnotations()
                        .get("fly.io/flycast-ip"),
                a -> a != null);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        run(
                            "dig",
                            "@127.0.0.1",
                            "-p",
                            Integer.toString(flycast.dnsPort),
                            "+short",
                            "AAAA",
                            "api.team-a.flycast"))
                    .isEqualTo(address));
  }

  @Test
  void kubectlReadsTheEmbeddedApi() throws Exception {
    Path kubectl = FlycastProcess.repo().resolve(".tools/bin/kubectl");
    assertThat(kubectl).as("kubectl missing: run `make tools`").exists();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        run(
                            kubectl.toString(),
                            "--kubeconfig",
                            flycast.stateDir.resolve("kubeconfig").toString(),
                            "get",
                            "services",
                            "-n",
                            "team-a",
                            "api",
                            "-o",
                            "jsonpath={.metadata.annotations.fly\\.io/clusterip-allocator}"))
                    .isEqualTo("configured"));
  }

  @Test
  void theWebExampleIsServedThroughTheProxyStopsWhenIdleAndStartsOnTheNextRequest() {
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              var r = flycast.viaProxy("web.default.flycast", "/first");
              assertThat(r.statusCode()).isEqualTo(200);
              assertThat(r.body()).contains("\"pod\":\"web-", "\"fly-client-ip\":\"127.0.0.1\"");
            });
    // Idle: autostop takes it down to minMachinesRunning (0) one backend per interval.
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .until(
            () ->
                client
                        .apps()
                        .deployments()
                        .inNamespace("default")
                        .withName("web")
                        .get()
                        .getSpec()
                        .getReplicas()
                    == 0);
    // The next request starts it again and is answered, not failed.
    var r = flycast.viaProxy("web.default.flycast", "/after-autostop");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"path\":\"/after-autostop\"");
    assertThat(client.v1().events().inNamespace("default").list().getItems())
        .anyMatch(e -> "Autostop".equals(e.getReason()))
        .anyMatch(e -> "Autostart".equals(e.getReason()));
  }

  @Test
  void httpsExampleTerminatesTlsBySniAndPlainHttpIsRedirected() throws Exception {
    String host = "secure.default.flycast";
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        run(
                            "curl",
                            "-sk",
                            "--max-time",
                            "10",
                            "--resolve",
                            host + ":" + flycast.tlsPort + ":127.0.0.1",
                            "https://" + host + ":" + flycast.tlsPort + "/tls"))
                    .contains("\"pod\":\"secure-", "\"x-forwarded-proto\":\"https\""));
    // The certificate served is the one from the example's Secret, picked by SNI.
    assertThat(
            run(
                "sh",
                "-c",
                "openssl s_client -connect 127.0.0.1:"
                    + flycast.tlsPort
                    + " -servername "
                    + host
                    + " </dev/null 2>/dev/null | openssl x509 -noout -subject"))
        .contains("CN = " + host);
    var r = flycast.viaProxy(host, "/plain?x=1");
    assertThat(r.statusCode()).isEqualTo(301);
    assertThat(r.raw()).containsIgnoringCase("location: https://" + host + "/plain?x=1");
  }

  @Test
  void anUpdatedTlsSecretIsServedFromTheNextHandshake() throws Exception {
    String host = "secure.default.flycast";
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("flycast-cert");
    java.nio.file.Path key = dir.resolve("key.pem");
    java.nio.file.Path cert = dir.resolve("cert.pem");
    // A new certificate for the same name, with an EC key in SEC1 form (openssl ecparam).
    run("openssl", "ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", key.toString());
    run(
        "openssl",
        "req",
        "-x509",
        "-key",
        key.toString(),
        "-days",
        "2",
        "-subj",
        "/O=rotated/CN=" + host,
        "-out",
        cert.toString());
    var secret = client.secrets().inNamespace("default").withName("secure-tls").get();
    var b64 = java.util.Base64.getEncoder();
    secret.setData(
        Map.of(
            "tls.crt",
            b64.encodeToString(java.nio.file.Files.readAllBytes(cert)),
            "tls.key",
            b64.encodeToString(java.nio.file.Files.readAllBytes(key))));
    java.nio.file.Files.delete(key);
    java.nio.file.Files.delete(cert);
    java.nio.file.Files.delete(dir);
    client.secrets().resource(secret).update();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        run(
                            "sh",
                            "-c",
                            "openssl s_client -connect 127.0.0.1:"
                                + flycast.tlsPort
                                + " -servername "
                                + host
                                + " </dev/null 2>/dev/null | openssl x509 -noout -subject"))
                    .contains("O = rotated", "CN = " + host));
    assertThat(
            run(
                "curl",
                "-sk",
                "--max-time",
                "10",
                "--resolve",
                host + ":" + flycast.tlsPort + ":127.0.0.1",
                "https://" + host + ":" + flycast.tlsPort + "/tls"))
        .contains("\"x-forwarded-proto\":\"https\"");
  }

  @Test
  void scaleToZeroExampleAnswersTheFirstRequestAfterAColdStart() {
    assertThat(
            client
                .apps()
                .deployments()
                .inNamespace("default")
                .withName("sleepy")
                .get()
                .getSpec()
                .getReplicas())
        .isZero();
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .until(() -> flycast.get("/debug/catalog").body().contains("\"name\":\"sleepy\""));
    var r = flycast.viaProxy("sleepy.default.flycast", "/wake-up");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("\"pod\":\"sleepy-");
  }

  /**
   * The `kubectl expose` path with objects built by the real kubectl, offline, as a user would type
   * them; sent to the embedded API (which kubectl cannot write to: it sends protobuf).
   */
  @Test
  void objectsBuiltByKubectlAreExposedAndServed() throws Exception {
    Path kubectl = FlycastProcess.repo().resolve(".tools/bin/kubectl");
    String deployment =
        run(
            kubectl.toString(),
            "create",
            "deployment",
            "hello",
            "--image=ghcr.io/example/hello:1",
            "--port=8080",
            "--replicas=1",
            "-n",
            "team-a",
            "--dry-run=client",
            "-o",
            "yaml");
    String service =
        run(
            kubectl.toString(),
            "create",
            "service",
            "clusterip",
            "hello",
            "--tcp=80:8080",
            "-n",
            "team-a",
            "--dry-run=client",
            "-o",
            "yaml");
    client.resource(deployment).create();
    // kubectl create service selects app=hello, as kubectl create deployment labels its pods.
    client.resource(service).create();
    await()
        .atMost(WAIT)
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              Service svc = client.services().inNamespace("team-a").withName("hello").get();
              assertThat(svc.getMetadata().getAnnotations())
                  .containsEntry("fly.io/clusterip-allocator", "configured");
              var r = flycast.viaProxy("hello.team-a.flycast", "/from-kubectl");
              assertThat(r.statusCode()).isEqualTo(200);
              assertThat(r.body()).contains("\"pod\":\"hello-");
            });
  }

  @Test
  void unknownHostGets404SayingSo() {
    var r = flycast.viaProxy("nope.default.flycast", "/");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.body()).contains("nope.default.flycast");
  }

  @Test
  void metricsAndHealthAreServed() {
    assertThat(flycast.get("/healthz").statusCode()).isEqualTo(200);
    assertThat(flycast.get("/metrics").body()).contains("flycast_dns_queries_total");
  }

  /**
   * Every request the operator made during this suite (the embedded API logs them all, with the
   * operator's own User-Agent) must be granted by the RBAC the chart renders, where it is made: the
   * chart is rendered for the namespace embedded mode keeps its Leases in ("default"), as if
   * installed there. Grants never used are listed, for review. ChartRbacE2E does the same for each
   * mode the chart's values select.
   */
  @Test
  @org.junit.jupiter.api.Order(Integer.MAX_VALUE)
  void everyApiRequestOfTheOperatorIsGrantedByTheChartsRbac() throws Exception {
    RenderedRbac rbac =
        RenderedRbac.of(
            Manifests.parse(
                Helm.fromRepo(FlycastProcess.repo())
                    .run("template", "flycast", "charts/flycast", "--namespace", "default")
                    .assertSuccess()
                    .stdout()));
    var requests =
        java.nio.file.Files.readAllLines(flycast.stateDir.resolve("api-requests.log")).stream()
            .map(ApiRequest::parse)
            .flatMap(java.util.Optional::stream)
            .filter(r -> r.agent() != null && r.agent().startsWith("flycast-operator/"))
            .toList();
    assertThat(requests).as("the operator made no API requests?").isNotEmpty();
    var denied =
        requests.stream()
            .filter(r -> !rbac.grants(r))
            .map(ApiRequest::grantWhere)
            .distinct()
            .sorted()
            .toList();
    assertThat(denied).as("API requests the chart's RBAC does not grant").isEmpty();
    var unused = rbac.unusedBy(requests);
    System.out.println(
        "RBAC grants not exercised by this e2e run (" + unused.size() + "): " + unused);
  }

  /** Every metric the chart's Grafana dashboard queries is one the process really exports. */
  @Test
  @org.junit.jupiter.api.Order(Integer.MAX_VALUE - 1)
  void theDashboardQueriesMetricsThatExist() throws Exception {
    var dashboard =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(
                FlycastProcess.repo().resolve("charts/flycast/dashboards/flycast.json").toFile());
    String metrics = flycast.get("/metrics").body();
    var names = new java.util.TreeSet<String>();
    dashboard
        .get("panels")
        .forEach(
            p ->
                p.get("targets")
                    .forEach(
                        t -> {
                          var m =
                              java.util.regex.Pattern.compile("flycast_[a-z_]+")
                                  .matcher(t.get("expr").asText());
                          while (m.find()) {
                            names.add(m.group());
                          }
                        }));
    assertThat(names).isNotEmpty();
    for (String n : names) {
      assertThat(metrics)
          .as("metric %s queried by the dashboard", n)
          .containsPattern("(?m)^" + n + "[{ ]");
    }
  }

  static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    p.waitFor();
    return out;
  }
}
