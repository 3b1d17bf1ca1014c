package io.flycast.local;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.flycast.Main;
import io.flycast.embedded.EmbeddedApiServer;
import io.flycast.embedded.ManifestApplier;
import io.flycast.embedded.runtime.LocalRuntime;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The developer's launcher ({@code make run}, the e2e tests): the operator's {@link Main} with
 * every flag it has, plus {@code --embedded}, which starts a stand-in cluster in the same process
 * (an in-process Kubernetes API and a local runtime that runs pods as processes) and runs Flycast
 * against it. Without {@code --embedded} it is the operator as the image runs it.
 *
 * <p>It lives in a module of its own so that the operator's jar and image carry none of the
 * stand-in (the mock API server, the local runtime, the echo backend).
 */
@Command(name = "flycast")
public final class LocalMain extends Main {
  @Option(
      names = "--embedded",
      description = "Start an in-process Kubernetes API (no cluster needed). Env FLYCAST_EMBEDDED.",
      defaultValue = "${env:FLYCAST_EMBEDDED:-false}")
  boolean embedded;

  @Option(
      names = "--apply",
      description =
          "Apply the manifests in this directory at start (embedded mode). Env FLYCAST_APPLY.",
      defaultValue = "${env:FLYCAST_APPLY}")
  Path applyDir;

  @Option(
      names = "--state-dir",
      description = "Where embedded mode keeps its kubeconfig. Env FLYCAST_STATE_DIR.",
      defaultValue = "${env:FLYCAST_STATE_DIR:-.flycast}")
  Path stateDir;

  private EmbeddedApiServer api;
  private LocalRuntime runtime;

  @Override
  protected boolean local() {
    return embedded;
  }

  @Override
  protected KubernetesClient connect() throws IOException {
    if (!embedded) {
      return super.connect();
    }
    api = new EmbeddedApiServer().start(0);
    api.recordRequests(stateDir.resolve("api-requests.log"));
    Path kc = api.writeKubeconfig(stateDir.resolve("kubeconfig"));
    System.out.println(
        "embedded Kubernetes API at " + api.url() + "; kubeconfig: " + kc.toAbsolutePath());
    return api.client();
  }

  /**
   * Embedded mode plays the cluster's workload side too (pods as local processes, their
   * EndpointSlices); then the manifests in {@code --apply} are applied.
   */
  @Override
  protected void clusterStarted(KubernetesClient client) throws IOException {
    if (api != null) {
      runtime =
          new LocalRuntime(
                  api.servePodLogs(stateDir.resolve("pods")).newClient("flycast-runtime/0.1.0"),
                  stateDir.resolve("pods"))
              .start();
    }
    if (applyDir != null) {
      // A client of its own: applying examples is the user's doing, not the operator's, and must
      // not count against the operator's RBAC in the request log.
      try (KubernetesClient applier = api != null ? api.newClient("flycast-apply/0.1.0") : null) {
        new ManifestApplier(applier != null ? applier : client).applyDirectory(applyDir);
      }
    }
  }

  @Override
  protected void disconnect(KubernetesClient client) {
    if (runtime != null) {
      runtime.close();
    }
    if (api != null) {
      api.close();
    } else {
      client.close();
    }
  }

  @Override
  protected Path bannerKubeconfig() {
    return embedded ? stateDir.resolve("kubeconfig") : null;
  }

  public static void main(String[] args) {
    System.exit(execute(new LocalMain(), args));
  }
}
