package io.flycast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a user reads from the real kubectl ({@code make tools}) against {@code make run}'s embedded
 * API, with the operator and the local runtime at work: server-side tables (printer columns, {@code
 * -o wide}, {@code --all-namespaces}), {@code get all}, {@code describe} with the Events the
 * operator records, {@code explain}.
 */
class KubectlOutputE2E {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String TABLE_ACCEPT =
      "application/json;as=Table;v=v1;g=meta.k8s.io,"
          + "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
  private static FlycastProcess flycast;
  private static Path dir;
  private static Path kubeconfig;

  record Out(int exit, String stdout, String stderr) {}

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("flycast-kubectl-output");
    flycast = FlycastProcess.startEmbedded();
    kubeconfig = flycast.stateDir.resolve("kubeconfig");
    ok(kubectl("apply", "-f", FlycastProcess.repo().resolve("examples/web.yaml").toString()));
  }

  @AfterAll
  static void stop() throws Exception {
    if (flycast != null) {
      flycast.close();
    }
  }

  static Out kubectl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(FlycastProcess.repo().resolve(".tools/bin/kubectl").toString());
    cmd.addAll(
        List.of(
            "--kubeconfig",
            kubeconfig.toString(),
            "--cache-dir",
            dir.resolve("kube-cache").toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).start();
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("kubectl hung: " + String.join(" ", args));
    }
    return new Out(p.exitValue(), out.get(), err.get());
  }

  private static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static String ok(Out out) {
    assertThat(out.exit()).as(out.stdout() + out.stderr()).isZero();
    return out.stdout();
  }

  static Path file(String name, String yaml) throws IOException {
    return Files.writeString(dir.resolve(name), yaml);
  }

  /** The ExposedService's printer columns, filled from the status the operator writes. */
  @Test
  void exposedServicesShowTheirPrinterColumns() throws Exception {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        ok(kubectl("get", "exsvc", "web", "-o", "jsonpath={.status.syncVersion}")))
                    .isNotEmpty());
    String address = ok(kubectl("get", "exsvc", "web", "-o", "jsonpath={.status.address}"));
    String ports = ok(kubectl("get", "exsvc", "web", "-o", "jsonpath={.status.ports}"));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              String table = ok(kubectl("get", "exsvc", "web"));
              assertThat(table.lines().findFirst().orElseThrow())
                  .matches("NAME\\s+AGE\\s+ADDRESS\\s+READY\\s+MACHINES\\s+PORTS\\s+SYNC\\s*");
              assertThat(table)
                  .containsPattern(
                      "\\nweb\\s+\\d+[smh]\\S*\\s+"
                          + java.util.regex.Pattern.quote(address)
                          + "\\s+(True|False)\\s+\\S.*"
                          + java.util.regex.Pattern.quote(ports)
                          + "\\s+\\d+");
            });
    assertThat(ok(kubectl("get", "exsvc", "-A")))
        .containsPattern("NAMESPACE\\s+NAME\\s+AGE\\s+ADDRESS")
        .containsPattern("\\ndefault\\s+web\\s+");
    assertThat(ok(kubectl("get", "exsvc", "web", "-o", "yaml")))
        .as("-o yaml gets the object, not a table")
        .contains("kind: ExposedService")
        .contains("internalPort: 8080");
    assertThat(ok(kubectl("get", "exsvc", "-o", "name"))).contains("exposedservice.fly.io/web");
  }

  /** Pods, Deployments, Services and friends print the columns a cluster's server gives them. */
  @Test
  void builtInKindsPrintTheServersColumns() throws Exception {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              String pods = ok(kubectl("get", "pods", "-l", "app=web"));
              assertThat(pods)
                  .startsWith("NAME")
                  .containsPattern("READY\\s+STATUS\\s+RESTARTS\\s+AGE\\n");
              assertThat(pods).containsPattern("\\nweb-\\S+\\s+1/1\\s+Running\\s+0\\s+\\d+");
            });
    assertThat(ok(kubectl("get", "pods", "-l", "app=web", "-o", "wide")))
        .containsPattern("AGE\\s+IP\\s+NODE\\s+NOMINATED NODE\\s+READINESS GATES\\n");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(ok(kubectl("get", "deploy", "web", "-o", "wide")))
                    .containsPattern(
                        "NAME\\s+READY\\s+UP-TO-DATE\\s+AVAILABLE\\s+AGE\\s+CONTAINERS\\s+IMAGES\\s+SELECTOR\\n")
                    .containsPattern(
                        "\\n"
                            + "web\\s+2/2\\s+2\\s+2\\s+\\S+\\s+web\\s+ghcr.io/example/web:1.0\\s+app=web"));
    ok(kubectl("create", "service", "clusterip", "plain", "--tcp=80:8080"));
    assertThat(ok(kubectl("get", "svc", "plain", "-o", "wide")))
        .containsPattern(
            "NAME\\s+TYPE\\s+CLUSTER-IP\\s+EXTERNAL-IP\\s+PORT\\(S\\)\\s+AGE\\s+SELECTOR\\n")
        .containsPattern("\\nplain\\s+ClusterIP\\s+\\S+\\s+<none>\\s+80/TCP\\s+\\S+\\s+app=plain");
    ok(kubectl("create", "secret", "generic", "two", "--from-literal=a=1", "--from-literal=b=2"));
    assertThat(ok(kubectl("get", "secret", "two")))
        .containsPattern("NAME\\s+TYPE\\s+DATA\\s+AGE\\n")
        .containsPattern("\\ntwo\\s+Opaque\\s+2\\s+\\d+s");
    assertThat(ok(kubectl("get", "ns", "default")))
        .containsPattern("NAME\\s+STATUS\\s+AGE\\ndefault\\s+Active\\s+\\S+");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(ok(kubectl("get", "endpointslices")))
                    .containsPattern("NAME\\s+ADDRESSTYPE\\s+PORTS\\s+ENDPOINTS\\s+AGE\\n")
                    .containsPattern("\\S+\\s+IPv4\\s+\\S+\\s+\\d+\\.\\d+\\.\\d+\\.\\d+"));
    assertThat(ok(kubectl("get", "crd")))
        .containsPattern("NAME\\s+CREATED AT\\n")
        .containsPattern("exposedservices.fly.io\\s+\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
  }

  /** {@code kubectl get all}: the category lists workloads, Services and ExposedServices. */
  @Test
  void getAllListsWorkloadsServicesAndExposedServices() throws Exception {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(ok(kubectl("get", "all")))
                    .containsPattern("\\npod/web-\\S+\\s+1/1\\s+Running")
                    .contains("deployment.apps/web")
                    .contains("exposedservice.fly.io/web"));
    assertThat(ok(kubectl("get", "flycast")))
        .as("the flycast category: ExposedServices only")
        .startsWith("NAME")
        .containsPattern("\\nweb\\s+\\S+\\s+fdaa:")
        .doesNotContain("deployment");
  }

  /** An Event the operator records shows under describe's Events, and only for its object. */
  @Test
  void describeShowsTheEventsTheOperatorRecorded() throws Exception {
    ok(
        kubectl(
            "apply",
            "-f",
            file(
                    "badtls.yaml",
                    """
                    apiVersion: fly.io/v1alpha1
                    kind: ExposedService
                    metadata: {name: badtls}
                    spec:
                      selector: {app: web}
                      internalPort: 8080
                      ports:
                      - port: 443
                        handlers: [tls, http]
                        tlsOptions: {secretName: no-such-secret}
                    """)
                .toString()));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(ok(kubectl("describe", "exsvc", "badtls")))
                    .containsPattern("Events:\\n\\s+Type\\s+Reason\\s+Age\\s+From\\s+Message\\n")
                    .containsPattern(
                        "(?s)Events:.*\\n\\s+Warning\\s+InvalidSpec\\s+[^\\n]*no-such-secret"));
    assertThat(ok(kubectl("describe", "exsvc", "web")))
        .as("another object's Events are not shown")
        .doesNotContain("no-such-secret");
    assertThat(ok(kubectl("get", "events")))
        .containsPattern("LAST SEEN\\s+TYPE\\s+REASON\\s+OBJECT\\s+MESSAGE\\n")
        .containsPattern("Warning\\s+InvalidSpec\\s+exposedservice/badtls\\s+.*no-such-secret");
    ok(kubectl("create", "service", "clusterip", "annotated", "--tcp=80:8080"));
    ok(
        kubectl(
            "annotate", "svc", "annotated", "fly.io/flycast=true", "fly.io/auto-stop=sometimes"));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(ok(kubectl("describe", "svc", "annotated")))
                    .containsPattern(
                        "(?s)Events:.*\\n\\s+Warning\\s+InvalidAnnotation\\s+[^\\n]*sometimes"));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(ok(kubectl("get", "pods", "-l", "app=web", "-o", "name"))).isNotEmpty());
    String pod =
        ok(kubectl("get", "pods", "-l", "app=web", "-o", "name")).lines().findFirst().orElseThrow();
    assertThat(ok(kubectl("describe", pod))).contains("Events:");
  }

  /** {@code kubectl explain} reads the CRD's schema from /openapi/v3. */
  @Test
  void explainPrintsTheExposedServiceFieldDocs() throws Exception {
    assertThat(ok(kubectl("explain", "exposedservice.spec.ports")))
        .contains("KIND:       ExposedService")
        .containsPattern("FIELD: ports <\\[\\]Object>")
        .containsPattern("handlers\\s+<\\[\\]string>")
        .contains("Connection handlers");
  }

  /**
   * The Table itself, as other clients (dashboards, k9s) read it: column definitions with name,
   * type, format, description and priority; each row's object PartialObjectMetadata by default, the
   * whole object with {@code includeObject=Object}.
   */
  @Test
  void tableAnswersCarryColumnDefinitionsAndRowObjects() throws Exception {
    String server =
        Files.readString(kubeconfig)
            .lines()
            .filter(l -> l.strip().startsWith("server:"))
            .findFirst()
            .orElseThrow()
            .strip()
            .substring("server:".length())
            .strip();
    String token =
        Files.readString(kubeconfig)
            .lines()
            .filter(l -> l.strip().startsWith("token:"))
            .findFirst()
            .map(l -> l.strip().substring("token:".length()).strip())
            .orElse("");
    JsonNode table = getJson(server, token, "/apis/apps/v1/namespaces/default/deployments");
    assertThat(table.path("kind").asText()).isEqualTo("Table");
    assertThat(table.path("apiVersion").asText()).isEqualTo("meta.k8s.io/v1");
    JsonNode containers = table.path("columnDefinitions").get(5);
    assertThat(containers.path("name").asText()).isEqualTo("Containers");
    assertThat(containers.path("priority").asInt()).isEqualTo(1);
    assertThat(table.path("columnDefinitions").get(0).path("format").asText()).isEqualTo("name");
    assertThat(table.path("columnDefinitions").get(0).path("description").asText()).isNotEmpty();
    JsonNode row = table.path("rows").get(0);
    assertThat(row.path("object").path("kind").asText()).isEqualTo("PartialObjectMetadata");
    assertThat(row.path("object").path("metadata").path("name").asText())
        .isEqualTo(row.path("cells").get(0).asText());
    assertThat(row.path("object").has("spec")).isFalse();
    JsonNode full =
        getJson(
            server, token, "/apis/apps/v1/namespaces/default/deployments/web?includeObject=Object");
    assertThat(full.path("rows")).hasSize(1);
    assertThat(full.path("rows").get(0).path("object").path("kind").asText())
        .isEqualTo("Deployment");
    assertThat(full.path("rows").get(0).path("object").path("spec").path("replicas").asInt())
        .isEqualTo(2);
  }

  private static JsonNode getJson(String server, String token, String path) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(server + path))
                    .header("Accept", TABLE_ACCEPT)
                    .header("Authorization", "Bearer " + token)
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new ObjectMapper().readTree(r.body());
  }
}
