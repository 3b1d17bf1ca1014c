package io.flycast.proxy.http;

import io.flycast.catalog.Route;
import io.flycast.network.Access;
import io.flycast.proxy.ProxyContext;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Network isolation at the proxy's entry points: asks the {@link ProxyContext#access() policy}
 * whether a client may reach a route, counts refusals in {@code flycast_proxy_refused_total} and
 * words the HTTP 403. Kept apart from the handlers so each entry point is one call.
 */
public final class AccessGate {
  private static final Logger log = LoggerFactory.getLogger(AccessGate.class);
  static final String REPLAY_OTHER_NETWORK = "replay_other_network";

  private AccessGate() {}

  /** A raw connection to a dedicated listener: whether to relay it (if not, counted; close it). */
  public static boolean admits(ProxyContext px, Channel client, Route route) {
    Access a = decide(px, client, route);
    if (!a.allowed()) {
      log.debug(
          "refusing connection from {} to private route {}: {}",
          client.remoteAddress(),
          route.key(),
          a.reason());
    }
    return a.allowed();
  }

  /**
   * An HTTP request: {@code null} when allowed, else the 403 to send (and the connection closes
   * after it: a refused client has nothing more to do here). The body names the route and its
   * network only, never the networks the client is in.
   */
  static FullHttpResponse refusal(ProxyContext px, Channel client, Route route) {
    Access a = decide(px, client, route);
    if (a.allowed()) {
      return null;
    }
    return HttpResponses.text(
        HttpResponseStatus.FORBIDDEN,
        "service "
            + route.key().flycastHostname()
            + " is private to network '"
            + route.spec().network()
            + "' and this client is not in it",
        false);
  }

  /**
   * Whether a {@code fly-replay} may move a request from {@code from} to {@code to} ({@code null}:
   * no such route, which the exchange answers itself). A refused replay is counted, and the
   * backend's original response goes to the client as if it had not asked.
   */
  static boolean mayReplay(ProxyContext px, Route from, Route to) {
    if (to == null || px.access().mayReplay(from.spec(), to.spec())) {
      return true;
    }
    px.metrics().refused(from.key(), REPLAY_OTHER_NETWORK);
    log.debug("not replaying {} to {}: another network", from.key(), to.key());
    return false;
  }

  private static Access decide(ProxyContext px, Channel client, Route route) {
    InetAddress source = ((InetSocketAddress) client.remoteAddress()).getAddress();
    Access a = px.access().decide(source, route.spec());
    if (!a.allowed()) {
      px.metrics().refused(route.key(), a.reason());
    }
    return a;
  }
}
