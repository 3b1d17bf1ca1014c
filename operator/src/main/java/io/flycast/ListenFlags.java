package io.flycast;

import inet.ipaddr.IPAddressString;
import io.flycast.admin.AdminToken;
import io.flycast.dns.DnsServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where Flycast listens, and who may read the admin server beyond its public endpoints: the flags
 * of {@link Main}, as a picocli mixin. An empty address turns that listener off.
 */
final class ListenFlags {

  @Option(
      names = "--admin-listen",
      description =
          "Admin server: /healthz /readyz /metrics for anyone; the status page and /debug/* for"
              + " loopback clients or with the admin token. Env FLYCAST_ADMIN_LISTEN.",
      defaultValue = "${env:FLYCAST_ADMIN_LISTEN:-127.0.0.1:9090}")
  String adminListen;

  @Option(
      names = "--admin-token-file",
      description =
          "File whose content (trimmed) is a bearer token: non-loopback clients that send"
              + " Authorization: Bearer <token> may read the admin status page and /debug/*. Unset:"
              + " those answer loopback clients only (kubectl port-forward). Env"
              + " FLYCAST_ADMIN_TOKEN_FILE.",
      defaultValue = "${env:FLYCAST_ADMIN_TOKEN_FILE}")
  String adminTokenFile;

  @Option(
      names = "--http-listen",
      description = "Shared HTTP listener, routed by Host. Env FLYCAST_HTTP_LISTEN.",
      defaultValue = "${env:FLYCAST_HTTP_LISTEN:-127.0.0.1:8080}")
  String httpListen;

  @Option(
      names = "--tls-listen",
      description = "Shared TLS listener, routed by SNI. Env FLYCAST_TLS_LISTEN.",
      defaultValue = "${env:FLYCAST_TLS_LISTEN:-127.0.0.1:8443}")
  String tlsListen;

  @Option(
      names = "--dns-listen",
      description =
          "DNS responder for the flycast and internal zones (empty = off). Env FLYCAST_DNS_LISTEN.",
      defaultValue = "${env:FLYCAST_DNS_LISTEN:-127.0.0.1:5353}")
  String dnsListen;

  @Option(
      names = "--dedicated-listen",
      description =
          "Bind address of the per-port listeners that route by destination address (:: receives"
              + " every Flycast address once the AnyIP route is installed; empty = off). Env"
              + " FLYCAST_DEDICATED_LISTEN.",
      defaultValue = "${env:FLYCAST_DEDICATED_LISTEN:-::}")
  String dedicatedListen;

  /** The admin listener's address, or null when off. */
  InetSocketAddress admin() {
    return Main.hostPort(adminListen);
  }

  InetSocketAddress http() {
    return Main.hostPort(httpListen);
  }

  InetSocketAddress tls() {
    return Main.hostPort(tlsListen);
  }

  /** The DNS responder's address, or null when off. */
  InetSocketAddress dns() {
    return dnsListen == null || dnsListen.isBlank() ? null : DnsServer.parseListen(dnsListen);
  }

  /** The dedicated listeners' bind address, or null when off. */
  InetAddress dedicated() {
    return dedicatedListen == null || dedicatedListen.isBlank()
        ? null
        : new IPAddressString(dedicatedListen).getAddress().toInetAddress();
  }

  /** The token in --admin-token-file, or null when the flag is unset or blank. */
  AdminToken adminToken() {
    if (adminTokenFile == null || adminTokenFile.isBlank()) {
      return null;
    }
    try {
      return AdminToken.read(Path.of(adminTokenFile));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--admin-token-file: " + e.getMessage(), e);
    }
  }
}
