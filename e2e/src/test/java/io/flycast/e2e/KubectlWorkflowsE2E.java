package io.flycast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flycast.e2e.Kubectl.Out;
import io.flycast.embedded.EmbeddedApiServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real kubectl and helm ({@code make tools}) drive the embedded API as they would a cluster:
 * default validation, protobuf bodies, list semantics of each patch type, dry runs, server-side
 * apply, Scale, and a chart made by {@code helm create} installed, upgraded, listed, uninstalled.
 */
class KubectlWorkflowsE2E {
  private static EmbeddedApiServer api;
  private static Path dir;
  private static Path repo;
  private static Kubectl tools;

  @BeforeAll
  static void start() throws IOException {
    repo = Helm.repoRoot();
    dir = Files.createTempDirectory("flycast-kubectl");
    api = new EmbeddedApiServer().start(0);
    tools = new Kubectl(api, dir);
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
  }

  static Out kubectl(String... args) throws Exception {
    return tools.run(args);
  }

  static Out helm(String... args) throws Exception {
    return tools.helm(args);
  }

  static Out ok(Out out) {
    return out.ok();
  }

  @Test
  void applyOfTheExamplesPassesDefaultValidation() throws Exception {
    Out out = ok(kubectl("apply", "-f", repo.resolve("examples").toString()));
    assertThat(out.stdout()).contains("exposedservice.fly.io/web created");
    assertThat(ok(kubectl("get", "exsvc", "web", "-o", "jsonpath={.spec.ports[0].port}")).stdout())
        .isEqualTo("80");
  }

  /** The namespaces every cluster starts with, there to be labelled as the README shows. */
  @Test
  void theNamespacesEveryClusterHasExist() throws Exception {
    assertThat(ok(kubectl("get", "namespaces", "-o", "name")).stdout())
        .contains("namespace/default", "namespace/kube-system", "namespace/kube-public");
    ok(kubectl("label", "namespace", "default", "fly.io/network=blue", "--overwrite"));
    assertThat(
            ok(kubectl(
                    "get",
                    "namespace",
                    "default",
                    "-o",
                    "jsonpath={.metadata.labels.fly\\.io/network}"))
                .stdout())
        .isEqualTo("blue");
    ok(kubectl("label", "namespace", "default", "fly.io/network-"));
  }

  @Test
  void createCommandsSendProtobufAndAreStored() throws Exception {
    ok(kubectl("create", "namespace", "proto-ns"));
    ok(kubectl("create", "deployment", "hello", "-n", "proto-ns", "--image=nginx", "--port=80"));
    Path key = dir.resolve("tls.key");
    Path cert = dir.resolve("tls.crt");
    Process gen =
        new ProcessBuilder(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                key.toString(),
                "-out",
                cert.toString(),
                "-days",
                "1",
                "-subj",
                "/CN=hello")
            .redirectErrorStream(true)
            .start();
    gen.getInputStream().readAllBytes();
    assertThat(gen.waitFor()).isZero();
    ok(
        kubectl(
            "create",
            "secret",
            "tls",
            "hello-tls",
            "-n",
            "proto-ns",
            "--cert=" + cert,
            "--key=" + key));
    assertThat(
            ok(kubectl(
                    "get",
                    "deploy",
                    "hello",
                    "-n",
                    "proto-ns",
                    "-o",
                    "jsonpath={.spec.template.spec.containers[0].ports[0].containerPort}"))
                .stdout())
        .isEqualTo("80");
    assertThat(
            ok(kubectl("get", "secret", "hello-tls", "-n", "proto-ns", "-o", "jsonpath={.type}"))
                .stdout())
        .isEqualTo("kubernetes.io/tls");
  }

  @Test
  void anInvalidExposedServiceGets422NamingTheFields() throws Exception {
    Path bad =
        tools.file(
            "bad.yaml",
            """
            apiVersion: fly.io/v1alpha1
            kind: ExposedService
            metadata: {name: typo}
            spec:
              selector: {app: web}
              ports:
              - port: 80
                handlers: [htttp]
            """);
    Out out = kubectl("apply", "-f", bad.toString());
    assertThat(out.exit()).isNotZero();
    assertThat(out.stderr())
        .contains("is invalid")
        .contains("spec.ports[0].handlers[0]: Unsupported value: \"htttp\"")
        .contains("spec.internalPort: Required value");
    assertThat(kubectl("get", "exsvc", "typo").exit()).isNotZero();
  }

  @Test
  void reapplyReplacesPortsAppliesDefaultsAndDryRunsChangeNothing() throws Exception {
    String yaml =
        """
        apiVersion: fly.io/v1alpha1
        kind: ExposedService
        metadata: {name: reapply}
        spec:
          selector: {app: web}
          internalPort: 8080
          ports:
          - port: PORT
            handlers: [http]
        """;
    ok(kubectl("apply", "-f", tools.file("reapply.yaml", yaml.replace("PORT", "80")).toString()));
    assertThat(
            ok(kubectl("get", "exsvc", "reapply", "-o", "jsonpath={.spec.autoStopMachines}"))
                .stdout())
        .as("schema default")
        .isEqualTo("off");
    Path changed = tools.file("reapply.yaml", yaml.replace("PORT", "8081"));
    Out diff = kubectl("diff", "-f", changed.toString());
    assertThat(diff.exit()).as(diff.all()).isEqualTo(1);
    assertThat(diff.stdout()).contains("+    port: 8081");
    ok(kubectl("apply", "--dry-run=server", "-f", changed.toString()));
    assertThat(ok(kubectl("get", "exsvc", "reapply", "-o", "jsonpath={.spec.ports}")).stdout())
        .isEqualTo("[{\"handlers\":[\"http\"],\"port\":80}]");
    ok(kubectl("apply", "-f", changed.toString()));
    assertThat(ok(kubectl("get", "exsvc", "reapply", "-o", "jsonpath={.spec.ports}")).stdout())
        .isEqualTo("[{\"handlers\":[\"http\"],\"port\":8081}]");
  }

  @Test
  void everyPatchTypeFollowsTheRealListSemantics() throws Exception {
    ok(kubectl("create", "deployment", "patched", "--image=one"));
    ok(
        kubectl(
            "patch",
            "deploy",
            "patched",
            "-p",
            "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"one\",\"image\":\"two\"}]}}}}"));
    assertThat(
            ok(kubectl(
                    "get",
                    "deploy",
                    "patched",
                    "-o",
                    "jsonpath={.spec.template.spec.containers[*].name}={.spec.template.spec.containers[*].image}"))
                .stdout())
        .as("strategic merge: containers merged by name")
        .isEqualTo("one=two");
    ok(
        kubectl(
            "patch",
            "deploy",
            "patched",
            "--type=json",
            "-p",
            "[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":3}]"));
    ok(
        kubectl(
            "patch",
            "deploy",
            "patched",
            "--type=merge",
            "-p",
            "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}"));
    assertThat(
            ok(kubectl(
                    "get",
                    "deploy",
                    "patched",
                    "-o",
                    "jsonpath={.spec.replicas} {.metadata.labels.x}"))
                .stdout())
        .isEqualTo("3 y");
    Out scaled = ok(kubectl("scale", "deploy", "patched", "--replicas=2"));
    assertThat(scaled.stdout()).contains("scaled");
    assertThat(ok(kubectl("get", "deploy", "patched", "-o", "jsonpath={.spec.replicas}")).stdout())
        .isEqualTo("2");
    ok(kubectl("label", "deploy", "patched", "tier=web"));
    ok(kubectl("annotate", "deploy", "patched", "note=hi"));
    ok(kubectl("expose", "deploy", "patched", "--port=80"));
    assertThat(
            ok(kubectl("get", "svc", "patched", "-o", "jsonpath={.spec.ports[0].port}")).stdout())
        .isEqualTo("80");
  }

  @Test
  void serverSideApplyCreatesAndUpdates() throws Exception {
    String yaml =
        """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: ssa}
        data: {a: "1"VALUE}
        """;
    ok(
        kubectl(
            "apply",
            "--server-side",
            "-f",
            tools.file("ssa.yaml", yaml.replace("VALUE", ", b: \"2\"")).toString()));
    ok(
        kubectl(
            "apply",
            "--server-side",
            "-f",
            tools.file("ssa.yaml", yaml.replace("VALUE", "")).toString()));
    assertThat(ok(kubectl("get", "cm", "ssa", "-o", "jsonpath={.data}")).stdout())
        .as("a field the manager no longer applies is removed")
        .isEqualTo("{\"a\":\"1\"}");
  }

  @Test
  void helmInstallsUpgradesListsAndUninstallsACreatedChart() throws Exception {
    ok(helm("create", dir.resolve("demo").toString()));
    ok(helm("install", "demo", dir.resolve("demo").toString()));
    assertThat(ok(helm("list")).stdout()).contains("demo").contains("deployed");
    ok(helm("upgrade", "demo", dir.resolve("demo").toString(), "--set", "replicaCount=2"));
    assertThat(ok(kubectl("get", "deploy", "demo", "-o", "jsonpath={.spec.replicas}")).stdout())
        .isEqualTo("2");
    assertThat(ok(helm("list")).stdout()).contains("demo");
    ok(helm("uninstall", "demo"));
    assertThat(ok(helm("list")).stdout()).doesNotContain("demo");
    assertThat(kubectl("get", "deploy", "demo").exit()).isNotZero();
  }

  @Test
  void deletingAnOwnerDeletesWhatItOwns() throws Exception {
    ok(kubectl("create", "deployment", "owner", "--image=x"));
    String uid = ok(kubectl("get", "deploy", "owner", "-o", "jsonpath={.metadata.uid}")).stdout();
    Path owned =
        tools.file(
            "owned.yaml",
            """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: owned
              ownerReferences:
              - {apiVersion: apps/v1, kind: Deployment, name: owner, uid: "UID"}
            data: {a: "1"}
            """
                .replace("UID", uid));
    ok(kubectl("apply", "-f", owned.toString()));
    ok(kubectl("delete", "deploy", "owner"));
    await()
        .atMost(java.time.Duration.ofSeconds(20))
        .untilAsserted(
            () -> assertThat(kubectl("get", "cm", "owned").stderr()).contains("NotFound"));
  }
}
