package io.flycast.proxy;

import static io.flycast.proxy.TestRoutes.backend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flycast.catalog.CatalogStore;
import io.flycast.catalog.Handler;
import io.flycast.catalog.HttpOptions;
import io.flycast.catalog.PortSpec;
import io.flycast.catalog.ProxyProtoVersion;
import io.flycast.catalog.RouteKey;
import io.flycast.catalog.TlsOptions;
import io.flycast.proxy.tls.CertificateSource;
import io.flycast.proxy.tls.ServerCertificate;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code pg_tls} against a real PostgreSQL server and the real {@code psql} client: the proxy
 * answers the SSLRequest, terminates TLS with the route's certificate and relays the plaintext
 * protocol to a server that has TLS off.
 *
 * <p>A client that does not ask for TLS ({@code sslmode=disable}) is passed through in plaintext:
 * Fly's docs describe pg_tls only as TLS termination for Postgres' in-band negotiation, so whether
 * plaintext is acceptable stays the backend's decision ({@code pg_hba.conf} {@code hostssl} rules
 * cannot see the proxy's TLS, so a deployment that must refuse plaintext does it with clients'
 * {@code sslmode=require}/{@code verify-full}).
 */
class PgTlsPostgresTest {
  private static final RouteKey KEY = new RouteKey("db", "pg");
  private static PostgresServer pg;
  private static ProxyServer proxy;
  private static int proxyPort;

  @BeforeAll
  static void start() throws Exception {
    pg = PostgresServer.start(TestRoutes.freePort());
    ServerCertificate cert = TestCertificates.selfSigned("pg.example.com");
    CertificateSource certs =
        (route, secret) -> route.equals(KEY) && "pg-tls".equals(secret) ? cert : null;
    CatalogStore store = new CatalogStore();
    proxy =
        new ProxyServer(
                ProxyConfig.builder()
                    .httpAddress(null)
                    .dedicatedBindAddress(TestRoutes.ip("127.0.0.1"))
                    .zone("test")
                    .workerThreads(2)
                    .build(),
                store,
                new ProxyMetrics(new PrometheusRegistry()),
                certs)
            .start();
    proxyPort = TestRoutes.freePort();
    PortSpec spec =
        new PortSpec(
            proxyPort,
            pg.port,
            Set.of(Handler.PG_TLS),
            false,
            new TlsOptions("pg-tls", List.of(), List.of()),
            ProxyProtoVersion.V1,
            HttpOptions.DEFAULT);
    store.putSpec(TestRoutes.spec(KEY, "127.0.0.1", List.of(), List.of(spec)));
    store.putBackends(KEY, List.of(backend("pg-1", "test")));
    await().atMost(Duration.ofSeconds(5)).until(() -> proxy.dedicatedPorts().contains(proxyPort));
  }

  @AfterAll
  static void stop() throws Exception {
    if (proxy != null) {
      proxy.stop();
    }
    if (pg != null) {
      pg.close();
    }
  }

  private static String conninfo(String sslmode) {
    return "host=127.0.0.1 port=" + proxyPort + " user=postgres dbname=postgres sslmode=" + sslmode;
  }

  @Test
  void psqlRunsAQueryOverTlsTerminatedByTheProxy() throws Exception {
    assertThat(PostgresServer.psql(conninfo("require"), "select 42").strip()).isEqualTo("42");
    assertThat(PostgresServer.psql(conninfo("require"), "\\conninfo"))
        .contains("SSL connection (protocol: TLS");
  }

  @Test
  void theBackendSeesPlaintextBehindTheProxy() throws Exception {
    // The server has ssl=off: it could only have answered psql's TLS through the proxy.
    String ssl =
        PostgresServer.psql(
            conninfo("require"), "select ssl from pg_stat_ssl where pid = pg_backend_pid()");
    assertThat(ssl.strip()).isEqualTo("f");
  }

  @Test
  void aPlaintextClientIsPassedThrough() throws Exception {
    assertThat(PostgresServer.psql(conninfo("disable"), "select 42").strip()).isEqualTo("42");
    assertThat(PostgresServer.psql(conninfo("disable"), "\\conninfo"))
        .doesNotContain("SSL connection");
  }
}
