package io.flycast.e2e;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flycast.embedded.EmbeddedApiServer;
import io.flycast.embedded.runtime.LocalRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A cluster for operator processes to run against, hosted in the test's JVM: the embedded API,
 * which records every request with its sender's token, and the local runtime, which runs the pods
 * of Deployments as local processes. Each operator gets a kubeconfig with a token of its own, as
 * each install runs as its own ServiceAccount, so its requests can be told from the others'.
 */
final class EmbeddedCluster implements AutoCloseable {
  /** A request and the token it came with (null: the test's or the runtime's own clients). */
  record Call(String token, ApiRequest request) {}

  private final EmbeddedApiServer api;
  private final LocalRuntime runtime;
  private final KubernetesClient client;
  private final Path dir;
  private final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();

  private EmbeddedCluster(
      EmbeddedApiServer api, LocalRuntime runtime, KubernetesClient client, Path dir) {
    this.api = api;
    this.runtime = runtime;
    this.client = client;
    this.dir = dir;
  }

  static EmbeddedCluster start() throws IOException {
    Path dir = Files.createTempDirectory("flycast-cluster");
    EmbeddedApiServer api = new EmbeddedApiServer().start(0);
    EmbeddedCluster cluster =
        new EmbeddedCluster(
            api,
            new LocalRuntime(api.newClient("flycast-runtime/0.1.0"), dir.resolve("pods"))
                .closeGrace(Duration.ofSeconds(2))
                .start(),
            api.newClient("flycast-e2e/1"),
            dir);
    api.onRequestFrom(
        (token, agent, method, path) ->
            ApiRequest.of(agent, method, path)
                .ifPresent(r -> cluster.calls.add(new Call(token, r))));
    return cluster;
  }

  /** A client for the test itself (no token: its requests are nobody's to check). */
  KubernetesClient client() {
    return client;
  }

  /** A kubeconfig whose requests carry {@code token}. */
  Path kubeconfig(String token) {
    return api.writeKubeconfig(dir.resolve("kubeconfig-" + token), token);
  }

  /** The requests sent with {@code token} so far (discovery left out). */
  List<ApiRequest> requestsBy(String token) {
    return calls.stream().filter(c -> token.equals(c.token())).map(Call::request).toList();
  }

  @Override
  public void close() {
    client.close();
    runtime.close();
    api.close();
  }
}
