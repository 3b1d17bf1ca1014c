package io.flycast;

import io.flycast.catalog.Handler;
import io.flycast.catalog.Route;
import io.flycast.catalog.RouteKey;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a newcomer sees once Flycast is up: the admin URLs, the kubeconfig in embedded mode, one
 * curl per HTTP route (from the catalog, and later routes as they appear), DNS and isolation.
 */
final class StartBanner {
  private StartBanner() {}

  /** Routes the banner names at most; /debug/catalog has them all. */
  private static final int TRY_LINES = 20;

  /**
   * Prints it.
   *
   * @param kubeconfig embedded mode's kubeconfig, null against a cluster
   */
  static void print(Flycast flycast, FlycastConfig config, Path kubeconfig) {
    var admin = flycast.admin().address();
    StringBuilder out =
        new StringBuilder(
            "\nflycast ready.\n  admin:      http://"
                + admin.getHostString()
                + ":"
                + admin.getPort()
                + "/  (/healthz /readyz /metrics; the status page and /debug/catalog from loopback"
                + (config.adminToken() != null ? " or with the admin token" : "")
                + ")\n");
    if (kubeconfig != null) {
      out.append("  kubeconfig: ")
          .append(kubeconfig.toAbsolutePath())
          .append("  (kubectl --kubeconfig ")
          .append(kubeconfig)
          .append(" get exsvc,svc -A)\n");
    }
    if (flycast.proxy() != null && flycast.proxy().httpAddress() != null) {
      var http = flycast.proxy().httpAddress();
      String base = "http://" + http.getHostString() + ":" + http.getPort() + "/";
      var https = flycast.proxy().httpsAddress();
      // From the catalog, the proxy's own view: exactly the routes it serves, not a list of the
      // API (in a large cluster, every Service once more). Routes still waiting for an address are
      // printed when they get one; at most TRY_LINES in all.
      out.append("  try (routes that serve HTTP; more are printed as they appear, up to ")
          .append(TRY_LINES)
          .append("; /debug/catalog has them all):\n");
      Set<RouteKey> printed = ConcurrentHashMap.newKeySet();
      flycast.catalog().current().routes().stream()
          .filter(StartBanner::servesHttp)
          .sorted(Comparator.comparing(r -> r.key().toString()))
          .limit(TRY_LINES)
          .forEach(
              r -> {
                printed.add(r.key());
                out.append("    ").append(curl(r, base, https)).append('\n');
              });
      flycast
          .catalog()
          .addListener(
              change ->
                  change
                      .specsChanged()
                      .forEach(
                          key -> {
                            Route r = change.catalog().route(key);
                            if (r != null
                                && servesHttp(r)
                                && printed.size() < TRY_LINES
                                && printed.add(key)) {
                              System.out.println("route ready: " + curl(r, base, https));
                            }
                          }));
    }
    if (config.dnsListen() != null) {
      out.append("  dns:        dig @")
          .append(config.dnsListen().getHostString())
          .append(" -p ")
          .append(config.dnsListen().getPort())
          .append(" +short AAAA web.default.flycast\n");
    }
    out.append("  isolation:  private routes answer only their network's pods, and ")
        .append(
            config.trustedCidrs().isBlank()
                ? "nothing is trusted"
                : "trusted " + config.trustedCidrs())
        .append(" (docs/networking.md)\n");
    out.append("  With the AnyIP route (ip -6 route add local ")
        .append(config.prefix())
        .append(
            " dev lo) each Flycast address answers on its own ports: curl http://[<address>]/\n");
    System.out.println(out);
  }

  private static boolean servesHttp(Route r) {
    return r.spec().ports().stream().anyMatch(p -> p.has(Handler.HTTP));
  }

  /**
   * A curl line that gets a response from this machine. A route that redirects plain HTTP to https
   * gets one to the shared TLS listener instead ({@code --resolve} maps the route's name to it;
   * {@code -k} because its certificate is the route's, not one this machine's curl trusts): the
   * redirect's https URL names port 443 of a name that resolves nowhere here.
   */
  static String curl(Route r, String base, InetSocketAddress https) {
    String host = r.key().name() + "." + r.key().namespace() + ".flycast";
    boolean redirects =
        r.spec().ports().stream().anyMatch(p -> p.has(Handler.HTTP) && p.forceHttps());
    if (redirects && https != null) {
      String hostPort = host + ":" + https.getPort();
      return "curl -k --resolve "
          + hostPort
          + ":"
          + https.getHostString()
          + " https://"
          + hostPort
          + "/";
    }
    return "curl -H 'Host: " + host + "' " + base;
  }
}
