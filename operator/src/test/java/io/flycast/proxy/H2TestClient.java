package io.flycast.proxy;

import static org.awaitility.Awaitility.await;

import io.flycast.catalog.Handler;
import io.flycast.catalog.HttpOptions;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.ProxyProtoVersion;
import io.flycast.catalog.TlsOptions;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;

/**
 * An HTTP/2 client (java.net.http, ALPN over TLS, any certificate trusted) for one dedicated TLS
 * HTTP port of a proxy on 127.0.0.1, and the set-up such a port takes: the proxy's config, the
 * port's spec and the wait until it listens.
 */
public final class H2TestClient implements AutoCloseable {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final HttpClient client;
  private final int port;

  /** A client of {@code https://127.0.0.1:<port>}. */
  public H2TestClient(int port) throws Exception {
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_2)
            .sslContext(ssl)
            .connectTimeout(TIMEOUT)
            .build();
    this.port = port;
  }

  /** A proxy with no shared HTTP listener whose dedicated ports bind 127.0.0.1. */
  public static ProxyConfig.Builder dedicatedProxyConfig() {
    return ProxyConfig.builder()
        .httpAddress(null)
        .dedicatedBindAddress(TestRoutes.ip("127.0.0.1"))
        .zone("test")
        .workerThreads(2);
  }

  /** Port {@code port} terminating TLS (secret web-tls, no ALPN restriction) in front of HTTP. */
  public static PortSpec tlsHttpPort(int port, int targetPort) {
    return new PortSpec(
        port,
        targetPort,
        Set.of(Handler.TLS, Handler.HTTP),
        false,
        new TlsOptions("web-tls", List.of(), List.of()),
        ProxyProtoVersion.V1,
        HttpOptions.DEFAULT);
  }

  /** Waits ({@code atMost}) until {@code proxy} listens on dedicated port {@code port}. */
  public static void awaitListening(ProxyServer proxy, int port, Duration atMost) {
    await().atMost(atMost).until(() -> proxy.dedicatedPorts().contains(port));
  }

  /** A request for {@code path} with header name, value pairs and no body. */
  public HttpRequest.Builder request(String method, String path, String... headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
            .timeout(TIMEOUT)
            .method(method, HttpRequest.BodyPublishers.noBody());
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return b;
  }

  public HttpResponse<String> send(String method, String path, String... headers) throws Exception {
    return client.send(
        request(method, path, headers).build(), HttpResponse.BodyHandlers.ofString());
  }

  public CompletableFuture<HttpResponse<String>> sendAsync(
      String method, String path, String... headers) {
    return client.sendAsync(
        request(method, path, headers).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() {
    client.close();
  }
}
