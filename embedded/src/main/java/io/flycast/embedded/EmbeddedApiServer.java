package io.flycast.embedded;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process Kubernetes API (Fabric8's mock server in CRUD mode) for development and tests,
 * where no cluster can run. It keeps objects, enforces names and resourceVersions (409 on a
 * duplicate create or a stale update) and serves watches; it has no controllers, scheduler or
 * admission. Flycast's CRDs are installed at start and a kubeconfig is written for tools.
 */
public final class EmbeddedApiServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedApiServer.class);

  /** The namespaces a cluster starts with. */
  public static final List<String> BUILT_IN_NAMESPACES =
      List.of("default", "kube-system", "kube-public");

  /** The CRDs users apply ({@code crds/}), bundled by this module's build. */
  static final List<String> CRD_RESOURCES =
      List.of(
          "io/flycast/embedded/crds/exposedservices.fly.io-v1.yml",
          "io/flycast/embedded/crds/flycastips.fly.io-v1.yml");

  /**
   * Held so the level sticks: JUL keeps loggers only weakly. The mock logs every request at INFO.
   */
  private static final java.util.logging.Logger MOCK_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  private final KubernetesMockServer server;
  private final EmbeddedApiDispatcher dispatcher = new EmbeddedApiDispatcher();
  private KubernetesClient client;
  private ApiFront front;
  private int port;

  public EmbeddedApiServer() {
    this.server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
  }

  /** Starts on a loopback port (0 = any free port) and installs the CRDs. */
  public EmbeddedApiServer start(int port) {
    // The mock listens on a port of its own, which no client uses: they use the front's, which
    // streams watches the mock cannot (ApiFront).
    server.init(InetAddress.getLoopbackAddress(), 0);
    front = new ApiFront(dispatcher);
    // kubectl get -w asks for Table rows, as kubectl get does.
    front.writeWatchObjectsWith(dispatcher.reads::watchObject);
    this.port = front.start(InetAddress.getLoopbackAddress(), port);
    client = newClient(OPERATOR_AGENT);
    for (String r : CRD_RESOURCES) {
      try (InputStream in = EmbeddedApiServer.class.getClassLoader().getResourceAsStream(r)) {
        if (in == null) {
          throw new IllegalStateException("CRD " + r + " missing from the classpath");
        }
        CustomResourceDefinition crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
        // createOr: on a loaded machine the first request can outlast the client's timeout,
        // and the client's retry then finds the CRD its first try made (CI run 22).
        client
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .resource(crd)
            .createOr(NonDeletingOperation::update);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    // The namespaces every cluster has from its start: kubectl and helm default to "default", and
    // `kubectl label namespace default ...` must find it.
    for (String ns : BUILT_IN_NAMESPACES) {
      client
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .createOr(NonDeletingOperation::update);
    }
    log.info("embedded Kubernetes API on {}", url());
    return this;
  }

  /**
   * Runs {@code writes} with custom resources stored as written, past their CRD's schema: how a
   * test stores what a real cluster can hold but no longer accepts (an object stored before its
   * schema checked it, or by a newer CRD version).
   */
  public void storeUnchecked(Runnable writes) {
    synchronized (dispatcher.writes) {
      dispatcher.writes.unchecked = true;
      try {
        writes.run();
      } finally {
        dispatcher.writes.unchecked = false;
      }
    }
  }

  /**
   * Serves {@code kubectl logs} from the local runtime's pod logs ({@code <namespace>_<pod>.log} in
   * {@code dir}).
   */
  public EmbeddedApiServer servePodLogs(Path dir) {
    dispatcher.podLogs.serveFrom(dir);
    return this;
  }

  /**
   * User-Agent of the operator's own client, so its requests can be told from tools' and tests'.
   */
  public static final String OPERATOR_AGENT = "flycast-operator/0.1.0";

  /** A new client of this API with the given User-Agent (closed by the caller). */
  public KubernetesClient newClient(String userAgent) {
    return new io.fabric8.kubernetes.client.KubernetesClientBuilder()
        .withConfig(
            new io.fabric8.kubernetes.client.ConfigBuilder()
                .withMasterUrl(url())
                .withNamespace("default")
                .withUserAgent(userAgent)
                // HTTP/1.1: over one HTTP/2 connection the JDK client fails requests ("too many
                // concurrent streams") once watches and bursts of writes pass the server's stream
                // limit, instead of opening another connection.
                .withHttp2Disable(true)
                .build())
        .build();
  }

  /**
   * Calls {@code observer} with the User-Agent, method and path of every request the API receives
   * (what the RBAC check compares with the chart's grants).
   */
  public void onRequest(RequestObserver observer) {
    dispatcher.addObserver(
        r -> observer.request(r.getHeader("User-Agent"), r.getMethod(), r.getPath()));
  }

  /** Sees one request. */
  @FunctionalInterface
  public interface RequestObserver {
    void request(String userAgent, String method, String path);
  }

  /**
   * Calls {@code observer} with every request and who sent it: the bearer token of its
   * Authorization header, which tells apart clients that share a User-Agent (several operator
   * processes, each with a kubeconfig of its own, as each install has its own ServiceAccount).
   */
  public void onRequestFrom(CallerObserver observer) {
    dispatcher.addObserver(
        r -> {
          String auth = r.getHeader("Authorization");
          String token =
              auth != null && auth.startsWith("Bearer ")
                  ? auth.substring("Bearer ".length()).strip()
                  : null;
          observer.request(token, r.getHeader("User-Agent"), r.getMethod(), r.getPath());
        });
  }

  /** Sees one request and its sender's token (null without one). */
  @FunctionalInterface
  public interface CallerObserver {
    void request(String token, String userAgent, String method, String path);
  }

  /** Appends every request as {@code <user-agent>\t<method>\t<path>} to a file. */
  public void recordRequests(Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      var out = new java.io.PrintWriter(Files.newBufferedWriter(file), true);
      onRequest(
          (agent, method, path) -> {
            synchronized (out) {
              out.println(agent + "\t" + method + "\t" + path);
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String url() {
    return "http://" + server.getHostName() + ":" + port;
  }

  public int port() {
    return port;
  }

  /**
   * The plain HTTP watches ({@code kubectl get -w}) being streamed now: each holds a watch of the
   * store until its client goes away.
   */
  public int streamedWatches() {
    return front.streamedWatches().get();
  }

  /** Watches open over a websocket (Fabric8's informers and watches). */
  public int websocketWatches() {
    return front.websocketWatches().get();
  }

  ApiFront front() {
    return front;
  }

  /** A client of this API (closed with the server). */
  public KubernetesClient client() {
    return client;
  }

  /** Writes a kubeconfig for this API, so kubectl and tests can reach it. */
  public Path writeKubeconfig(Path file) {
    return writeKubeconfig(file, "embedded");
  }

  /** Writes a kubeconfig whose user sends this bearer token (see {@link #onRequestFrom}). */
  public Path writeKubeconfig(Path file, String token) {
    String yaml =
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: flycast-embedded
          cluster:
            server: %s
        contexts:
        - name: flycast-embedded
          context:
            cluster: flycast-embedded
            user: flycast
            namespace: default
        current-context: flycast-embedded
        users:
        - name: flycast
          user:
            token: %s
        """
            .formatted(url(), token);
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  @Override
  public void close() {
    if (client != null) {
      client.close();
    }
    if (front != null) {
      front.close();
    }
    server.destroy();
  }
}
