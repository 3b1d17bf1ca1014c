package io.flycast.admin;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Who may read what on the admin port. Probes and Prometheus need {@code /healthz}, {@code /readyz}
 * and {@code /metrics}, so those are open. Everything else (the status page, {@code /debug/catalog}
 * with every route and its backends' pod IPs, {@code /debug/stats}, and whatever is added later)
 * answers a loopback client, which in a pod means {@code kubectl port-forward}, or a client that
 * presents the admin token.
 */
public final class AdminAccess {
  /** Open to anyone who reaches the port. Everything else is protected, so new paths are too. */
  static final Set<String> OPEN_PATHS = Set.of("/healthz", "/readyz", "/metrics");

  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final String BEARER = "bearer ";

  private final AdminToken token;

  /** The token replicas share for {@code /peer/*}; null when no peer may ask. */
  private volatile AdminToken peerToken;

  /**
   * Which client addresses are local (trusted without the token): {@link #isLoopback} but in tests.
   */
  private final Predicate<InetAddress> local;

  private AdminAccess(AdminToken token, Predicate<InetAddress> local) {
    this.token = token;
    this.local = local;
  }

  /** No token: protected paths answer loopback clients only. */
  public static AdminAccess loopbackOnly() {
    return new AdminAccess(null, AdminAccess::isLoopback);
  }

  /** Protected paths answer loopback clients and clients that send this token. */
  public static AdminAccess loopbackOrToken(AdminToken token) {
    return new AdminAccess(token, AdminAccess::isLoopback);
  }

  /** {@link #loopbackOrToken} with a token, {@link #loopbackOnly} with null. */
  public static AdminAccess of(AdminToken tokenOrNull) {
    return new AdminAccess(tokenOrNull, AdminAccess::isLoopback);
  }

  /**
   * These rules with {@code local} deciding which clients count as loopback, so tests can play a
   * client from another pod over loopback alone (connecting from 127.0.0.2 to a policy that trusts
   * only 127.0.0.1) instead of sending traffic to an address of the machine's network.
   */
  static AdminAccess withLocalClients(AdminToken tokenOrNull, Predicate<InetAddress> local) {
    return new AdminAccess(tokenOrNull, Objects.requireNonNull(local, "local"));
  }

  /**
   * Lets replicas that present {@code token} read {@code /peer/*}: the leader's poll of each
   * replica's load. Nobody else may, not even loopback or the admin token: those numbers steer
   * autostop, and only a replica should ask for them (or, with the cordons a poll carries, set
   * them).
   */
  public AdminAccess withPeerToken(AdminToken token) {
    this.peerToken = token;
    return this;
  }

  static boolean isOpen(String path) {
    return OPEN_PATHS.contains(path);
  }

  /**
   * Why this client may not read {@code path}, as the response to send; empty if it may.
   *
   * @param client the connection's source address
   * @param host the request's Host header, or null
   * @param authorization the request's Authorization header, or null
   */
  Optional<AdminResponse> refusal(
      String path, InetAddress client, String host, String authorization) {
    if (path.startsWith("/peer/")) {
      AdminToken peers = peerToken;
      return peers != null && peers.matches(bearer(authorization))
          ? Optional.empty()
          : Optional.of(
              AdminResponse.text(
                      HttpResponseStatus.UNAUTHORIZED,
                      "unauthorized: /peer/ is for Flycast replicas, with the peer token\n")
                  .withHeader("WWW-Authenticate", "Bearer realm=\"flycast-peers\""));
    }
    if (isOpen(path) || (token != null && token.matches(bearer(authorization)))) {
      return Optional.empty();
    }
    if (client != null && local.test(client)) {
      if (namesTheServerDirectly(host)) {
        return Optional.empty();
      }
      return Optional.of(
          AdminResponse.text(
              HttpResponseStatus.FORBIDDEN,
              "forbidden: on loopback, address the admin port as 127.0.0.1, [::1] or localhost, not"
                  + " by the name '"
                  + host
                  + "'.\n"
                  + "A web page can point a name of its own at 127.0.0.1 (DNS rebinding) to read"
                  + " this port from your browser, so loopback is trusted only under those names"
                  + (token != null ? ", or with Authorization: Bearer <token>.\n" : ".\n")));
    }
    if (token == null) {
      return Optional.of(
          AdminResponse.text(
              HttpResponseStatus.FORBIDDEN,
              """
              forbidden: the status page and /debug/* answer only loopback clients when no admin token is set.
              To look, either
                - port-forward and browse from your machine:
                    kubectl -n <namespace> port-forward deploy/<release>-flycast 9090 && open http://127.0.0.1:9090/
                - or give flycast a token (--admin-token-file, env FLYCAST_ADMIN_TOKEN_FILE; chart value
                  admin.tokenSecret) and send Authorization: Bearer <token>.
              /healthz, /readyz and /metrics are open.
              """));
    }
    return Optional.of(
        AdminResponse.text(
                HttpResponseStatus.UNAUTHORIZED,
                """
                unauthorized: send Authorization: Bearer <token> with the token in flycast's --admin-token-file,
                or connect from loopback (kubectl port-forward). /healthz, /readyz and /metrics are open.
                """)
            .withHeader("WWW-Authenticate", "Bearer realm=\"flycast-admin\""));
  }

  /** The credentials of an {@code Authorization: Bearer <token>} header, or null. */
  private static String bearer(String authorization) {
    if (authorization == null
        || authorization.length() <= BEARER.length()
        || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return null;
    }
    return authorization.substring(BEARER.length()).strip();
  }

  /** 127.0.0.0/8, ::1, and 127.x as an IPv4-mapped IPv6 address (a dual-stack listener's view). */
  static boolean isLoopback(InetAddress client) {
    if (client == null) {
      return false;
    }
    if (client.isLoopbackAddress()) {
      return true;
    }
    byte[] b = client.getAddress();
    if (client instanceof Inet6Address
        && b.length == 16
        && b[10] == (byte) 0xff
        && b[11] == (byte) 0xff) {
      for (int i = 0; i < 10; i++) {
        if (b[i] != 0) {
          return false;
        }
      }
      return b[12] == 127;
    }
    return false;
  }

  /**
   * Whether the Host header names the server by address or as localhost, as a browser behind {@code
   * kubectl port-forward} does. A DNS name is what a rebinding attack needs: a web page on
   * evil.example whose name then resolves to 127.0.0.1 is same-origin with this port. A missing
   * Host (HTTP/1.0, curl --http1.0 -H 'Host:') is no browser.
   */
  static boolean namesTheServerDirectly(String host) {
    if (host == null || host.isEmpty()) {
      return true;
    }
    if (host.startsWith("[")) {
      return host.indexOf(']') > 0; // an IPv6 literal
    }
    int colon = host.lastIndexOf(':');
    String name = colon < 0 ? host : host.substring(0, colon);
    return name.equalsIgnoreCase("localhost") || IPV4.matcher(name).matches();
  }
}
