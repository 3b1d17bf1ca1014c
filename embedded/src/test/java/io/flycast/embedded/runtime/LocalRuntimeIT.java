package io.flycast.embedded.runtime;

import static io.flycast.embedded.runtime.Workloads.createDeployment;
import static io.flycast.embedded.runtime.Workloads.deployment;
import static io.flycast.embedded.runtime.Workloads.editContainer;
import static io.flycast.embedded.runtime.Workloads.editPod;
import static io.flycast.embedded.runtime.Workloads.statefulSet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.flycast.embedded.EmbeddedApiServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The embedded runtime with real processes and real sockets, against the embedded API. */
class LocalRuntimeIT {
  static final Duration WAIT = Duration.ofSeconds(60);
  static EmbeddedApiServer api;
  static KubernetesClient client;
  static LocalRuntime runtime;
  static final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @BeforeAll
  static void start() {
    api = new EmbeddedApiServer().start(0);
    client = api.client();
    runtime = new LocalRuntime(client).start();
  }

  @AfterAll
  static void stop() {
    runtime.close();
    api.close();
  }

  // ---------------------------------------------------------------- fixtures

  static void namespace(KubernetesClient c, String ns) {
    c.namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
  }

  static void service(KubernetesClient c, String ns, String name) {
    c.services()
        .inNamespace(ns)
        .resource(
            new ServiceBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(ns)
                .endMetadata()
                .withNewSpec()
                .withSelector(Map.of("app", name))
                .addNewPort()
                .withName("http")
                .withPort(80)
                .withTargetPort(new IntOrString("http"))
                .endPort()
                .endSpec()
                .build())
        .create();
  }

  /**
   * Through the /scale subresource, as kubectl scale does: an edit of the whole Deployment could
   * meet a 409 when the runtime has just written its status.
   */
  static void scale(String ns, String name, int replicas) {
    client.apps().deployments().inNamespace(ns).withName(name).scale(replicas);
  }

  static List<Pod> pods(KubernetesClient c, String ns, String app) {
    return c.pods().inNamespace(ns).withLabel("app", app).list().getItems();
  }

  static List<Endpoint> endpoints(KubernetesClient c, String ns, String svc) {
    EndpointSlice s =
        c.discovery().v1().endpointSlices().inNamespace(ns).withName(svc + "-local").get();
    return s == null || s.getEndpoints() == null ? List.of() : s.getEndpoints();
  }

  /** Waits until the Service {@code svc} has {@code count} endpoints, all of them ready. */
  static void awaitReady(String ns, String svc, int count) {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(endpoints(client, ns, svc))
                    .hasSize(count)
                    .allMatch(LocalRuntimeIT::ready));
  }

  static boolean ready(Endpoint e) {
    return Boolean.TRUE.equals(e.getConditions().getReady());
  }

  static HttpResponse<String> get(String ip, int port, String path)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://" + ip + ":" + port + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static boolean accepts(String ip, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(ip, port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Every endpoint state the API ever showed for a slice, as "pod ready/serving/terminating". */
  static final class SliceHistory implements AutoCloseable {
    final ConcurrentLinkedQueue<String> states = new ConcurrentLinkedQueue<>();
    final SharedIndexInformer<EndpointSlice> informer;

    SliceHistory(String ns, String slice) {
      informer =
          client
              .discovery()
              .v1()
              .endpointSlices()
              .inNamespace(ns)
              .withName(slice)
              .inform(
                  new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(EndpointSlice s) {
                      record(s);
                    }

                    @Override
                    public void onUpdate(EndpointSlice o, EndpointSlice s) {
                      record(s);
                    }

                    @Override
                    public void onDelete(EndpointSlice s, boolean unknown) {}
                  },
                  0);
    }

    void record(EndpointSlice s) {
      if (s.getEndpoints() != null) {
        for (Endpoint e : s.getEndpoints()) {
          var c = e.getConditions();
          states.add(
              e.getTargetRef().getName()
                  + " "
                  + c.getReady()
                  + "/"
                  + c.getServing()
                  + "/"
                  + c.getTerminating());
        }
      }
    }

    @Override
    public void close() {
      informer.stop();
    }
  }

  // ---------------------------------------------------------------- tests

  @Test
  void deploymentPodsServeAndScaleToZeroAndBack() throws Exception {
    String ns = "rt-scale";
    namespace(client, ns);
    createDeployment(client, deployment(ns, "web", 2, Map.of("fly.io/zone", "ams")));
    service(client, ns, "web");

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              List<Endpoint> eps = endpoints(client, ns, "web");
              assertThat(eps).hasSize(2).allMatch(LocalRuntimeIT::ready);
            });
    List<Pod> pods = pods(client, ns, "web");
    assertThat(pods).hasSize(2);
    Set<String> ips = new HashSet<>();
    Map<String, ProcessHandle> processes = new HashMap<>();
    for (Pod p : pods) {
      String name = p.getMetadata().getName();
      assertThat(name).matches("web-[a-z0-9]{5}");
      assertThat(p.getMetadata().getOwnerReferences())
          .singleElement()
          .satisfies(
              o -> {
                assertThat(o.getKind()).isEqualTo("Deployment");
                assertThat(o.getName()).isEqualTo("web");
              });
      assertThat(p.getMetadata().getAnnotations()).containsEntry("fly.io/zone", "ams");
      assertThat(p.getStatus().getPhase()).isEqualTo("Running");
      assertThat(p.getStatus().getContainerStatuses().get(0).getRestartCount()).isZero();
      assertThat(p.getStatus().getConditions())
          .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
      String ip = p.getStatus().getPodIP();
      assertThat(ip).startsWith("127.0.0.");
      ips.add(ip);
      var r = get(ip, 8080, "/who");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("\"pod\":\"" + name + "\"").contains("\"path\":\"/who\"");
      processes.put(name, runtime.process(ns, name).orElseThrow());
    }
    assertThat(ips).hasSize(2);

    EndpointSlice slice =
        client.discovery().v1().endpointSlices().inNamespace(ns).withName("web-local").get();
    assertThat(slice.getMetadata().getLabels()).containsEntry("kubernetes.io/service-name", "web");
    assertThat(slice.getAddressType()).isEqualTo("IPv4");
    assertThat(slice.getPorts())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getName()).isEqualTo("http");
              assertThat(p.getPort()).isEqualTo(8080);
            });
    for (Endpoint e : slice.getEndpoints()) {
      assertThat(e.getZone()).isEqualTo("ams");
      assertThat(e.getTargetRef().getKind()).isEqualTo("Pod");
      assertThat(e.getTargetRef().getNamespace()).isEqualTo(ns);
      assertThat(processes).containsKey(e.getTargetRef().getName());
      assertThat(ips).contains(e.getAddresses().get(0));
    }
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Deployment d = client.apps().deployments().inNamespace(ns).withName("web").get();
              assertThat(d.getStatus().getReplicas()).isEqualTo(2);
              assertThat(d.getStatus().getReadyReplicas()).isEqualTo(2);
              assertThat(d.getStatus().getAvailableReplicas()).isEqualTo(2);
            });

    try (SliceHistory history = new SliceHistory(ns, "web-local")) {
      await().atMost(WAIT).until(() -> history.states.size() >= 2); // the watch is running
      scale(ns, "web", 0);
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                assertThat(endpoints(client, ns, "web")).isEmpty();
                assertThat(pods(client, ns, "web")).isEmpty();
                assertThat(processes.values()).noneMatch(ProcessHandle::isAlive);
              });
      for (String pod : processes.keySet()) {
        assertThat(history.states).contains(pod + " false/true/true");
      }
    }
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Deployment d = client.apps().deployments().inNamespace(ns).withName("web").get();
              assertThat(d.getStatus().getReplicas()).isZero();
              assertThat(d.getStatus().getReadyReplicas()).isZero();
            });

    scale(ns, "web", 1);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              List<Endpoint> eps = endpoints(client, ns, "web");
              assertThat(eps).singleElement().matches(LocalRuntimeIT::ready);
              assertThat(processes).doesNotContainKey(eps.get(0).getTargetRef().getName());
            });
    Endpoint e = endpoints(client, ns, "web").get(0);
    assertThat(get(e.getAddresses().get(0), 8080, "/").body()).contains(e.getTargetRef().getName());
  }

  @Test
  void scaleDownRemovesTheLowestDeletionCostFirst() {
    String ns = "rt-cost";
    namespace(client, ns);
    createDeployment(client, deployment(ns, "idle", 2, Map.of()));
    service(client, ns, "idle");
    awaitReady(ns, "idle", 2);

    List<String> names =
        pods(client, ns, "idle").stream().map(p -> p.getMetadata().getName()).toList();
    markIdle(ns, names.get(0));
    scale(ns, "idle", 1);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(pods(client, ns, "idle"))
                  .extracting(p -> p.getMetadata().getName())
                  .containsExactly(names.get(1));
              assertThat(endpoints(client, ns, "idle"))
                  .singleElement()
                  .satisfies(e -> assertThat(e.getTargetRef().getName()).isEqualTo(names.get(1)));
            });

    // Now the survivor is the older pod: without a cost the new one would go; with one, the
    // survivor goes.
    scale(ns, "idle", 2);
    awaitReady(ns, "idle", 2);
    String newest =
        pods(client, ns, "idle").stream()
            .map(p -> p.getMetadata().getName())
            .filter(n -> !n.equals(names.get(1)))
            .findFirst()
            .orElseThrow();
    markIdle(ns, names.get(1));
    scale(ns, "idle", 1);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(pods(client, ns, "idle"))
                    .extracting(p -> p.getMetadata().getName())
                    .containsExactly(newest));

    // A Pod deleted through the API is stopped and replaced.
    ProcessHandle old = runtime.process(ns, newest).orElseThrow();
    client.pods().inNamespace(ns).withName(newest).delete();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(old.isAlive()).isFalse();
              assertThat(endpoints(client, ns, "idle"))
                  .singleElement()
                  .satisfies(
                      e -> {
                        assertThat(e.getTargetRef().getName()).isNotEqualTo(newest);
                        assertThat(ready(e)).isTrue();
                      });
            });

    // A deleted Service loses its slice.
    client.services().inNamespace(ns).withName("idle").delete();
    await()
        .atMost(WAIT)
        .until(
            () ->
                client
                        .discovery()
                        .v1()
                        .endpointSlices()
                        .inNamespace(ns)
                        .withName("idle-local")
                        .get()
                    == null);
  }

  static void markIdle(String ns, String pod) {
    client
        .pods()
        .inNamespace(ns)
        .withName(pod)
        .edit(
            p -> {
              Map<String, String> a =
                  p.getMetadata().getAnnotations() == null
                      ? new HashMap<>()
                      : new HashMap<>(p.getMetadata().getAnnotations());
              a.put(LocalRuntime.DELETION_COST_ANNOTATION, "-100");
              p.getMetadata().setAnnotations(a);
              return p;
            });
  }

  @Test
  void aTcpReadinessProbeKeepsTheEndpointUnreadyUntilTheProcessListens() {
    String ns = "rt-delay";
    namespace(client, ns);
    createDeployment(
        client,
        editContainer(
            deployment(ns, "slow", 1, Map.of(LocalRuntime.START_DELAY_ANNOTATION, "3s")),
            c ->
                c.withReadinessProbe(
                    new ProbeBuilder()
                        .withNewTcpSocket()
                        .withPort(new IntOrString("http"))
                        .endTcpSocket()
                        .withPeriodSeconds(1)
                        .build())));
    service(client, ns, "slow");
    await().atMost(WAIT).until(() -> endpoints(client, ns, "slow").size() == 1);
    Endpoint first = endpoints(client, ns, "slow").get(0);
    String ip = first.getAddresses().get(0);
    assertThat(ready(first)).isFalse();
    assertThat(first.getConditions().getTerminating()).isFalse();
    // For a while the process runs but does not listen, and the endpoint stays unready.
    await()
        .during(Duration.ofMillis(1500))
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(endpoints(client, ns, "slow")).singleElement().matches(e -> !ready(e));
              assertThat(accepts(ip, 8080)).isFalse();
            });
    await()
        .atMost(WAIT)
        .until(() -> endpoints(client, ns, "slow").stream().allMatch(LocalRuntimeIT::ready));
    assertThat(accepts(ip, 8080)).isTrue();
  }

  /** As on a real node: no readiness probe, Ready once the container started, listening or not. */
  @Test
  void withoutAReadinessProbeAPodIsReadyOnceStarted() {
    String ns = "rt-noprobe";
    namespace(client, ns);
    createDeployment(
        client,
        editContainer(
            deployment(ns, "bare", 1, Map.of(LocalRuntime.START_DELAY_ANNOTATION, "5s")),
            c -> c.withReadinessProbe(null)));
    service(client, ns, "bare");
    await()
        .atMost(WAIT)
        .until(() -> endpoints(client, ns, "bare").stream().anyMatch(LocalRuntimeIT::ready));
    assertThat(accepts(endpoints(client, ns, "bare").get(0).getAddresses().get(0), 8080))
        .as("ready before it listens")
        .isFalse();
  }

  /**
   * The kubelet's schedule: an httpGet probe every periodSeconds from the start. The app answers
   * its readiness path within a second, yet the pod turns Ready only at the probe after that, a
   * period after the first.
   */
  @Test
  void anHttpProbeMakesThePodReadyOnlyAtItsNextPeriod() throws Exception {
    String ns = "rt-period";
    namespace(client, ns);
    createDeployment(
        client,
        editContainer(
            deployment(ns, "app", 1, Map.of()),
            c ->
                c.withReadinessProbe(
                    new ProbeBuilder()
                        .withNewHttpGet()
                        .withPath("/ready")
                        .withPort(new IntOrString("http"))
                        .endHttpGet()
                        .withPeriodSeconds(4)
                        .build())));
    service(client, ns, "app");
    await().atMost(WAIT).until(() -> endpoints(client, ns, "app").size() == 1);
    String ip = endpoints(client, ns, "app").get(0).getAddresses().get(0);
    await().atMost(WAIT).until(() -> accepts(ip, 8080));
    long listening = System.nanoTime();
    assertThat(get(ip, 8080, "/ready").statusCode()).isEqualTo(200);
    await()
        .atMost(WAIT)
        .until(() -> endpoints(client, ns, "app").stream().allMatch(LocalRuntimeIT::ready));
    assertThat(Duration.ofNanos(System.nanoTime() - listening))
        .as("from answering its probe to Ready: the rest of the period")
        .isGreaterThan(Duration.ofMillis(1500));
  }

  /**
   * As the EndpointSlice controller: a named targetPort is listed under the Service port's name
   * with the number it resolves to in each pod, pods resolving alike share a slice, and a pod with
   * no container port of that name is listed without that port.
   */
  @Test
  void slicesListTheNumberEachPodResolvesANamedTargetPortTo() {
    String ns = "rt-named";
    namespace(client, ns);
    for (var d :
        List.of(
            Map.entry("blue", "http"), Map.entry("green", "http"), Map.entry("plain", "metrics"))) {
      int port = Map.of("blue", 9191, "green", 9192, "plain", 9193).get(d.getKey());
      createDeployment(
          client,
          editContainer(
                  deployment(ns, d.getKey(), 1, Map.of()),
                  c -> c.editFirstPort().withName(d.getValue()).withContainerPort(port).endPort())
              .editSpec()
              .editTemplate()
              .editMetadata()
              .addToLabels("tier", "mix")
              .endMetadata()
              .endTemplate()
              .endSpec());
    }
    client
        .services()
        .inNamespace(ns)
        .resource(
            new ServiceBuilder()
                .withNewMetadata()
                .withName("mix")
                .withNamespace(ns)
                .endMetadata()
                .withNewSpec()
                .withSelector(Map.of("tier", "mix"))
                .addNewPort()
                .withName("web")
                .withPort(80)
                .withTargetPort(new IntOrString("http"))
                .endPort()
                .addNewPort()
                .withName("raw")
                .withPort(81)
                .withTargetPort(new IntOrString(7000))
                .endPort()
                .endSpec()
                .build())
        .create();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              List<EndpointSlice> slices =
                  client
                      .discovery()
                      .v1()
                      .endpointSlices()
                      .inNamespace(ns)
                      .withLabel(LocalRuntime.SERVICE_NAME_LABEL, "mix")
                      .list()
                      .getItems();
              Map<String, String> portsByPod = new HashMap<>();
              for (EndpointSlice s : slices) {
                String ports =
                    s.getPorts().stream()
                        .map(p -> p.getName() + "=" + p.getPort())
                        .sorted()
                        .toList()
                        .toString();
                for (Endpoint e : s.getEndpoints()) {
                  portsByPod.put(e.getTargetRef().getName().replaceAll("-[^-]+$", ""), ports);
                }
              }
              assertThat(slices).hasSize(3);
              assertThat(portsByPod)
                  .containsOnly(
                      Map.entry("blue", "[raw=7000, web=9191]"),
                      Map.entry("green", "[raw=7000, web=9192]"),
                      Map.entry("plain", "[raw=7000]"));
            });
    // One pod left resolving alike: back to the one slice, <svc>-local.
    client.apps().deployments().inNamespace(ns).withName("green").delete();
    client.apps().deployments().inNamespace(ns).withName("plain").delete();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(
                      client
                          .discovery()
                          .v1()
                          .endpointSlices()
                          .inNamespace(ns)
                          .withLabel(LocalRuntime.SERVICE_NAME_LABEL, "mix")
                          .list()
                          .getItems())
                  .extracting(s -> s.getMetadata().getName())
                  .containsExactly("mix-local");
              assertThat(endpoints(client, ns, "mix"))
                  .singleElement()
                  .satisfies(e -> assertThat(e.getTargetRef().getName()).startsWith("blue-"));
            });
  }

  @Test
  void runsTheContainerCommandWithItsEnvironment() throws Exception {
    String ns = "rt-cmd";
    namespace(client, ns);
    createDeployment(
        client,
        editContainer(
            deployment(ns, "py", 1, Map.of()),
            c ->
                c.withCommand("sh", "-c")
                    .withArgs(
                        "echo \"$GREETING from $POD_NAME\" > index.txt; exec python3 -m http.server"
                            + " $PORT --bind $(POD_IP)")
                    .addNewEnv()
                    .withName("GREETING")
                    .withValue("hello")
                    .endEnv()
                    .withWorkingDir(null)
                    .editFirstPort()
                    .withContainerPort(9000)
                    .endPort()
                    // Ready once it listens: without a probe it would be Ready as soon as it
                    // started.
                    .withNewReadinessProbe()
                    .withNewTcpSocket()
                    .withPort(new IntOrString(9000))
                    .endTcpSocket()
                    .withPeriodSeconds(1)
                    .endReadinessProbe()));
    service(client, ns, "py");
    awaitReady(ns, "py", 1);
    Endpoint e = endpoints(client, ns, "py").get(0);
    assertThat(
            client
                .discovery()
                .v1()
                .endpointSlices()
                .inNamespace(ns)
                .withName("py-local")
                .get()
                .getPorts()
                .get(0)
                .getPort())
        .isEqualTo(9000);
    var r = get(e.getAddresses().get(0), 9000, "/");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("Directory listing").contains("index.txt");
    String pod = e.getTargetRef().getName();
    assertThat(get(e.getAddresses().get(0), 9000, "/index.txt").body())
        .isEqualTo("hello from " + pod + "\n");
    assertThat(runtime.logDir().resolve(ns + "_" + pod).resolve("index.txt")).exists();
    ProcessHandle h = runtime.process(ns, e.getTargetRef().getName()).orElseThrow();
    assertThat(h.info().commandLine().orElse(""))
        .satisfiesAnyOf(s -> assertThat(s).contains("http.server"), s -> assertThat(s).isEmpty());
  }

  @Test
  void aProcessThatIgnoresSigtermIsKilledAfterTheGracePeriod() {
    String ns = "rt-kill";
    namespace(client, ns);
    createDeployment(
        client,
        editPod(
            deployment(ns, "stubborn", 1, Map.of()),
            p ->
                p.withTerminationGracePeriodSeconds(1L)
                    .editFirstContainer()
                    .withCommand(
                        "sh",
                        "-c",
                        "trap '' TERM; exec python3 -m http.server $PORT --bind $BIND_ADDRESS")
                    .endContainer()));
    service(client, ns, "stubborn");
    awaitReady(ns, "stubborn", 1);
    String pod = endpoints(client, ns, "stubborn").get(0).getTargetRef().getName();
    ProcessHandle process = runtime.process(ns, pod).orElseThrow();
    long t0 = System.nanoTime();
    scale(ns, "stubborn", 0);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(endpoints(client, ns, "stubborn"))
                    .singleElement()
                    .satisfies(
                        e -> {
                          assertThat(e.getConditions().getReady()).isFalse();
                          assertThat(e.getConditions().getServing()).isTrue();
                          assertThat(e.getConditions().getTerminating()).isTrue();
                        }));
    assertThat(process.isAlive()).isTrue();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(process.isAlive()).isFalse();
              assertThat(endpoints(client, ns, "stubborn")).isEmpty();
              assertThat(pods(client, ns, "stubborn")).isEmpty();
            });
    assertThat(Duration.ofNanos(System.nanoTime() - t0))
        .isGreaterThanOrEqualTo(Duration.ofMillis(900));
  }

  @Test
  void aCrashedProcessIsRestartedInPlace() {
    String ns = "rt-crash";
    namespace(client, ns);
    createDeployment(client, deployment(ns, "fragile", 1, Map.of()));
    service(client, ns, "fragile");
    awaitReady(ns, "fragile", 1);
    Endpoint before = endpoints(client, ns, "fragile").get(0);
    String pod = before.getTargetRef().getName();
    ProcessHandle first = runtime.process(ns, pod).orElseThrow();
    first.destroyForcibly();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(endpoints(client, ns, "fragile"))
                    .singleElement()
                    .matches(e -> !ready(e)));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(endpoints(client, ns, "fragile"))
                  .singleElement()
                  .satisfies(
                      e -> {
                        assertThat(ready(e)).isTrue();
                        assertThat(e.getTargetRef().getName()).isEqualTo(pod);
                        assertThat(e.getAddresses()).isEqualTo(before.getAddresses());
                      });
              assertThat(runtime.process(ns, pod).orElseThrow().pid()).isNotEqualTo(first.pid());
              assertThat(
                      client
                          .pods()
                          .inNamespace(ns)
                          .withName(pod)
                          .get()
                          .getStatus()
                          .getContainerStatuses()
                          .get(0)
                          .getRestartCount())
                  .isEqualTo(1);
            });
  }

  @Test
  void aTemplateChangeRollsOutOnePodAtATime() {
    String ns = "rt-roll";
    namespace(client, ns);
    createDeployment(client, deployment(ns, "app", 2, Map.of("fly.io/zone", "a")));
    service(client, ns, "app");
    awaitReady(ns, "app", 2);
    List<String> before =
        pods(client, ns, "app").stream().map(p -> p.getMetadata().getName()).toList();
    List<ProcessHandle> oldProcesses =
        before.stream().map(n -> runtime.process(ns, n).orElseThrow()).toList();
    // Nothing churns while the template is unchanged.
    await()
        .during(Duration.ofMillis(500))
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(pods(client, ns, "app"))
                    .extracting(p -> p.getMetadata().getName())
                    .containsExactlyInAnyOrderElementsOf(before));

    try (SliceHistory history = new SliceHistory(ns, "app-local")) {
      await().atMost(WAIT).until(() -> history.states.size() >= 2);
      client
          .apps()
          .deployments()
          .inNamespace(ns)
          .withName("app")
          .edit(
              d -> {
                d.getSpec().getTemplate().getMetadata().setAnnotations(Map.of("fly.io/zone", "b"));
                return d;
              });
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                List<Endpoint> eps = endpoints(client, ns, "app");
                assertThat(eps)
                    .hasSize(2)
                    .allMatch(LocalRuntimeIT::ready)
                    .allMatch(e -> "b".equals(e.getZone()));
                assertThat(eps).noneMatch(e -> before.contains(e.getTargetRef().getName()));
                assertThat(pods(client, ns, "app")).hasSize(2);
                assertThat(oldProcesses).noneMatch(ProcessHandle::isAlive);
              });
    }
  }

  @Test
  void statefulSetPodsHaveOrdinalsAndTheHighestGoesFirst() {
    String ns = "rt-sts";
    namespace(client, ns);
    client.apps().statefulSets().inNamespace(ns).resource(statefulSet(ns, "db", 2)).create();
    service(client, ns, "db");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(pods(client, ns, "db"))
                  .extracting(p -> p.getMetadata().getName())
                  .containsExactlyInAnyOrder("db-0", "db-1");
              assertThat(endpoints(client, ns, "db")).hasSize(2).allMatch(LocalRuntimeIT::ready);
              assertThat(
                      client
                          .apps()
                          .statefulSets()
                          .inNamespace(ns)
                          .withName("db")
                          .get()
                          .getStatus()
                          .getReadyReplicas())
                  .isEqualTo(2);
            });
    client
        .apps()
        .statefulSets()
        .inNamespace(ns)
        .withName("db")
        .edit(
            s -> {
              s.getSpec().setReplicas(1);
              return s;
            });
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(pods(client, ns, "db"))
                  .extracting(p -> p.getMetadata().getName())
                  .containsExactly("db-0");
              assertThat(endpoints(client, ns, "db"))
                  .singleElement()
                  .satisfies(e -> assertThat(e.getTargetRef().getName()).isEqualTo("db-0"));
            });
    ProcessHandle db0 = runtime.process(ns, "db-0").orElseThrow();
    client.apps().statefulSets().inNamespace(ns).withName("db").delete();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(db0.isAlive()).isFalse();
              assertThat(pods(client, ns, "db")).isEmpty();
              assertThat(endpoints(client, ns, "db")).isEmpty();
            });
  }

  @Test
  void closeLeavesNoChildProcesses() {
    try (EmbeddedApiServer api2 = new EmbeddedApiServer().start(0)) {
      KubernetesClient c = api2.client();
      // A workload that exists before the runtime starts is picked up too.
      namespace(c, "rt-close");
      createDeployment(c, deployment("rt-close", "echo", 2, Map.of()));
      LocalRuntime rt = new LocalRuntime(c).closeGrace(Duration.ofSeconds(2)).start();
      List<ProcessHandle> started;
      try {
        createDeployment(
            c,
            editContainer(
                deployment("rt-close", "sleeper", 1, Map.of()),
                k ->
                    k.withCommand(
                        "sh",
                        "-c",
                        "trap '' TERM; sleep 300 & exec python3 -m http.server $PORT --bind"
                            + " $BIND_ADDRESS")));
        await()
            .atMost(WAIT)
            .untilAsserted(
                () ->
                    assertThat(pods(c, "rt-close", "echo"))
                        .hasSize(2)
                        .allMatch(
                            p ->
                                p.getStatus().getConditions().stream()
                                    .anyMatch(
                                        k ->
                                            "Ready".equals(k.getType())
                                                && "True".equals(k.getStatus()))));
        await()
            .atMost(WAIT)
            .until(
                () ->
                    pods(c, "rt-close", "sleeper").stream()
                        .allMatch(
                            p ->
                                p.getStatus().getConditions().stream()
                                    .anyMatch(
                                        k ->
                                            "Ready".equals(k.getType())
                                                && "True".equals(k.getStatus()))));
        assertThat(c.pods().inNamespace("rt-close").list().getItems())
            .allSatisfy(
                p ->
                    assertThat(p.getStatus().getContainerStatuses().get(0).getRestartCount())
                        .isZero());
        started = new ArrayList<>();
        for (ProcessHandle h : rt.processes()) {
          started.add(h);
          started.addAll(h.descendants().toList());
        }
        assertThat(started).hasSizeGreaterThanOrEqualTo(4); // 2 echo JVMs, python, its sleep child
      } finally {
        rt.close();
      }
      assertThat(started).noneMatch(ProcessHandle::isAlive);
      assertThat(rt.processes()).isEmpty();
      Set<Long> pids = new HashSet<>();
      started.forEach(h -> pids.add(h.pid()));
      assertThat(
              ProcessHandle.current()
                  .descendants()
                  .filter(ProcessHandle::isAlive)
                  .map(ProcessHandle::pid))
          .doesNotContainAnyElementsOf(pids);
    }
  }

  /**
   * A scale-down leaves a SIGKILL timer (the pod's grace, 30s here) behind after the pod is gone;
   * closing must not wait for it, nor for a restart backoff.
   */
  @Test
  void closeDoesNotWaitForPendingTimers() {
    try (EmbeddedApiServer api2 = new EmbeddedApiServer().start(0)) {
      KubernetesClient c = api2.client();
      namespace(c, "rt-timers");
      LocalRuntime rt = new LocalRuntime(c).closeGrace(Duration.ofSeconds(2)).start();
      try {
        createDeployment(
            c,
            editPod(
                deployment("rt-timers", "patient", 1, Map.of()),
                p -> p.withTerminationGracePeriodSeconds(30L)));
        await()
            .atMost(WAIT)
            .untilAsserted(
                () ->
                    assertThat(pods(c, "rt-timers", "patient"))
                        .singleElement()
                        .matches(p -> p.getStatus().getContainerStatuses().get(0).getReady()));
        c.apps().deployments().inNamespace("rt-timers").withName("patient").scale(0);
        await()
            .atMost(WAIT)
            .untilAsserted(() -> assertThat(pods(c, "rt-timers", "patient")).isEmpty());
      } finally {
        long start = System.nanoTime();
        rt.close();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
      }
    }
  }
}
