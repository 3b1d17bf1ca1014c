package io.flycast.proxy.http;

import io.flycast.proxy.ProxyMetrics;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;

/**
 * How a failed {@link ProxyExchange} ends, the closed set of them: an answer the connection handler
 * sends (no response had started), closing the client connection ({@link #CLOSE}: mid-response,
 * HTTP/1.1 has nothing else to say), or only a record ({@link #CLIENT_GONE}).
 *
 * @param answer the response to send; null when there is none to send
 * @param requestComplete whether the client's request is over (else its rest is discarded)
 * @param keepAlive whether the client asked to keep the connection
 * @param clientGone the client closed the connection: nothing is sent or closed
 */
record ExchangeFailure(
    FullHttpResponse answer, boolean requestComplete, boolean keepAlive, boolean clientGone) {
  /** A write failed, or the backend went mid-response: close the client connection. */
  static final ExchangeFailure CLOSE = new ExchangeFailure(null, false, false, false);

  /** The client went away: nothing to send. */
  static final ExchangeFailure CLIENT_GONE = new ExchangeFailure(null, false, false, true);

  /** Whether the client connection is closed (and nothing sent). */
  boolean closes() {
    return answer == null && !clientGone;
  }

  /** Something the client did (a malformed or slow body): answered, then the connection closes. */
  static ExchangeFailure clientFault(HttpResponseStatus status, String why) {
    return new ExchangeFailure(HttpResponses.text(status, why, false), false, false, false);
  }

  /** No backend could be dialed (see {@link HttpResponses#noBackend}). */
  static ExchangeFailure noBackend(
      ProxyMetrics.Unavailable reason,
      String detail,
      String name,
      int retryAfterSeconds,
      boolean requestComplete,
      boolean keepAlive) {
    FullHttpResponse resp = HttpResponses.noBackend(reason, detail, name, retryAfterSeconds);
    return new ExchangeFailure(resp, requestComplete, keepAlive, false);
  }

  /** The backend closed before any response, and the request may not go elsewhere: 502. */
  static ExchangeFailure backendClosed(boolean keepAlive) {
    String why = "the backend closed the connection before responding";
    return answer(HttpResponseStatus.BAD_GATEWAY, why, false, keepAlive);
  }

  /** A fly-replay named an app with no route here: 502. */
  static ExchangeFailure replayNoRoute(String app, boolean keepAlive) {
    String why = "fly-replay names app '" + app + "', which has no route here";
    return answer(HttpResponseStatus.BAD_GATEWAY, why, true, keepAlive);
  }

  /** A fly-replay's {@code timeout=} passed before a backend of {@code host} was reached: 504. */
  static ExchangeFailure replayTimeout(String host, Duration timeout, boolean keepAlive) {
    String why =
        "fly-replay to " + host + " reached no backend within " + timeout.toMillis() + " ms";
    return answer(HttpResponseStatus.GATEWAY_TIMEOUT, why, true, keepAlive);
  }

  private static ExchangeFailure answer(
      HttpResponseStatus status, String why, boolean answerKeepAlive, boolean keepAlive) {
    FullHttpResponse resp = HttpResponses.text(status, why, answerKeepAlive);
    return new ExchangeFailure(resp, true, keepAlive, false);
  }
}
