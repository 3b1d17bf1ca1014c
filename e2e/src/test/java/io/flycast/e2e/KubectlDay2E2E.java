package io.flycast.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Day-two kubectl against {@code make run}'s setup (the launcher jar in embedded mode: API, local
 * runtime, operator, proxy): {@code edit} with an editor script, {@code rollout status} and {@code
 * restart}, {@code wait} on conditions and on deletion, {@code logs} of a pod and of a Deployment.
 */
class KubectlDay2E2E {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static FlycastProcess flycast;
  private static Kubectl kubectl;
  private static Path dir;

  private static final String APP =
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: day2, labels: {app: day2}}
      spec:
        replicas: 1
        selector: {matchLabels: {app: day2}}
        template:
          metadata: {labels: {app: day2}}
          spec:
            containers:
            - name: echo
              image: example/echo
              env: [{name: COLOUR, value: blue}]
              ports: [{containerPort: 8080}]
      ---
      apiVersion: fly.io/v1alpha1
      kind: ExposedService
      metadata: {name: day2}
      spec:
        selector: {app: day2}
        internalPort: 8080
        ports: [{port: 80, handlers: [http]}]
        concurrency: {type: requests, softLimit: 20, hardLimit: 25}
      ---
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: talker}
      spec:
        replicas: 1
        selector: {matchLabels: {app: talker}}
        template:
          metadata: {labels: {app: talker}}
          spec:
            containers:
            - name: talker
              image: example/talker
              command: [sh, -c, "echo one; echo two; echo three; exec sleep 100000"]
      """;

  @BeforeAll
  static void start() throws Exception {
    flycast = FlycastProcess.startEmbedded();
    dir = Files.createTempDirectory("flycast-day2");
    kubectl = new Kubectl(flycast.stateDir.resolve("kubeconfig"), dir);
    kubectl.run("apply", "-f", kubectl.file("app.yaml", APP).toString()).ok();
  }

  @AfterAll
  static void stop() throws Exception {
    if (flycast != null) {
      flycast.close();
    }
  }

  /**
   * An editor that runs {@code sed -i EXPR} on the file kubectl hands it, after appending what it
   * was shown to {@code NAME.seen} (kubectl reopens the editor with the server's errors on top).
   */
  private static Map<String, String> sedEditor(String name, String expr) throws Exception {
    Path script =
        kubectl.file(
            name,
            "#!/bin/sh\ncat \"$1\" >> '"
                + dir.resolve(name + ".seen")
                + "'\nexec sed -i '"
                + expr
                + "' \"$1\"\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return Map.of("EDITOR", script.toString(), "KUBE_EDITOR", script.toString());
  }

  private static String get(String what, String jsonpath) throws Exception {
    return kubectl.run("get", what, "-o", "jsonpath=" + jsonpath).ok().stdout();
  }

  @Test
  void editOfAnExposedServiceIsStoredAndRoutedAndABrokenRuleIsRefused() throws Exception {
    kubectl.run(sedEditor("soft.sh", "s/softLimit: 20/softLimit: 22/"), "edit", "exsvc/day2").ok();
    assertThat(get("exsvc/day2", "{.spec.concurrency.softLimit}")).isEqualTo("22");
    // The operator applies it: the proxy's catalog carries the new limit.
    await()
        .atMost(WAIT)
        .until(() -> flycast.get("/debug/catalog").body().contains("\"softLimit\":22"));

    Kubectl.Out refused =
        kubectl.run(sedEditor("hard.sh", "s/hardLimit: 25/hardLimit: 5/"), "edit", "exsvc/day2");
    assertThat(refused.exit()).as(refused.all()).isNotZero();
    assertThat(refused.all())
        .contains("exposedservices.fly.io \"day2\" is invalid", "no valid changes were saved");
    // The reopened editor names the field and the rule, as with a cluster.
    assertThat(Files.readString(dir.resolve("hard.sh.seen")))
        .contains(
            "spec.concurrency: Invalid value: \"object\": hardLimit must be greater than or"
                + " equal to softLimit");
    assertThat(get("exsvc/day2", "{.spec.concurrency.hardLimit}")).isEqualTo("25");
  }

  @Test
  void editOfADeploymentRollsOutAndRolloutStatusReturns() throws Exception {
    kubectl.run("rollout", "status", "deploy/day2", "--timeout=60s").ok();
    String generation = get("deploy/day2", "{.metadata.generation}");
    kubectl.run(sedEditor("colour.sh", "s/value: blue/value: green/"), "edit", "deploy/day2").ok();
    assertThat(get("deploy/day2", "{.spec.template.spec.containers[0].env[0].value}"))
        .isEqualTo("green");
    // A spec change bumps the generation, as a real server does; rollout status waits for it.
    assertThat(Long.parseLong(get("deploy/day2", "{.metadata.generation}")))
        .isGreaterThan(Long.parseLong(generation));
    Kubectl.Out status = kubectl.run("rollout", "status", "deploy/day2", "--timeout=60s").ok();
    assertThat(status.stdout()).contains("successfully rolled out");
    assertThat(get("deploy/day2", "{.status.observedGeneration}"))
        .isEqualTo(get("deploy/day2", "{.metadata.generation}"));

    // A label change is metadata: no new generation.
    String before = get("deploy/day2", "{.metadata.generation}");
    kubectl.run("label", "deploy/day2", "tier=web").ok();
    assertThat(get("deploy/day2", "{.metadata.generation}")).isEqualTo(before);

    String podsBefore = get("pods", "{.items[?(@.metadata.labels.app==\"day2\")].metadata.name}");
    kubectl.run("rollout", "restart", "deploy/day2").ok();
    assertThat(kubectl.run("rollout", "status", "deploy/day2", "--timeout=60s").ok().stdout())
        .contains("successfully rolled out");
    // The restart replaced the pod (a new template hash), it did not just pass.
    await()
        .atMost(WAIT)
        .until(
            () ->
                !get("pods", "{.items[?(@.metadata.labels.app==\"day2\")].metadata.name}")
                    .contains(podsBefore));
  }

  @Test
  void waitForConditionsAndForADeletion() throws Exception {
    kubectl.run("wait", "--for=condition=Ready", "exposedservice/day2", "--timeout=60s").ok();
    kubectl.run("wait", "--for=condition=Available", "deploy/day2", "--timeout=60s").ok();

    kubectl.run("create", "service", "clusterip", "plain", "--tcp=80:8080").ok();
    kubectl.run("annotate", "service", "plain", "fly.io/flycast=true").ok();
    kubectl.run("wait", "--for=condition=fly.io/Synced", "service/plain", "--timeout=60s").ok();

    kubectl.run("rollout", "status", "deploy/talker", "--timeout=60s").ok();
    String pod = get("pods", "{.items[?(@.metadata.labels.app==\"talker\")].metadata.name}");
    kubectl.run("delete", "pod", pod, "--wait=false").ok();
    Kubectl.Out gone = kubectl.run("wait", "--for=delete", "pod/" + pod, "--timeout=60s").ok();
    assertThat(gone.all()).doesNotContain("error");
  }

  @Test
  void logsOfAPodAndOfADeployment() throws Exception {
    await()
        .atMost(WAIT)
        .until(() -> kubectl.run("logs", "deploy/talker").stdout().contains("three"));
    assertThat(kubectl.run("logs", "deploy/talker").ok().stdout()).isEqualTo("one\ntwo\nthree\n");
    assertThat(kubectl.run("logs", "deploy/talker", "--tail=2").ok().stdout())
        .isEqualTo("two\nthree\n");
    String pod = get("pods", "{.items[?(@.metadata.labels.app==\"talker\")].metadata.name}");
    assertThat(kubectl.run("logs", "pod/" + pod, "--tail=1").ok().stdout()).isEqualTo("three\n");
    // -f is not streamed: it prints the log so far and ends (run fails the test on a hang).
    assertThat(kubectl.run("logs", "-f", "pod/" + pod).ok().stdout())
        .isEqualTo("one\ntwo\nthree\n");
  }
}
