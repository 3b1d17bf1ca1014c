package io.flycast.proxy.pipeline;

import io.flycast.proxy.ProxyMetrics;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameLogger;
import io.netty.handler.logging.LogLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the streams the client made the proxy reset on one connection, and ends the connection
 * with GOAWAY ENHANCE_YOUR_CALM past {@link #MAX_RESETS} in {@link #WINDOW_NANOS}.
 *
 * <p>Why: a stream the server resets leaves the stream limit at once, while the work it started (a
 * backend dial, a request on its way) goes on. A client can make the server reset streams cheaply,
 * with frames that are stream errors: HEADERS with END_STREAM, then a zero WINDOW_UPDATE or DATA on
 * the same stream ("MadeYouReset", CVE-2025-55163); or streams over the concurrency limit. Netty's
 * own bound on sent resets sits on the connection encoder, which stream errors raised while
 * decoding go around, so it never fired for these. Two ways are counted here:
 *
 * <ul>
 *   <li>RST_STREAM frames the proxy sends with an error code other than CANCEL or NO_ERROR (a
 *       malformed request, a stream over the limit, a stream error on a stream without a handler):
 *       every frame goes out through the frame writer, which tells the codec's frame logger of it;
 *       this class is that logger, with logging itself off.
 *   <li>stream errors on a stream being served ({@link #streamError()}, from the stream's {@link
 *       Http2StreamCheck}): the stream's channel closes on them and resets the stream with CANCEL,
 *       the code the proxy also uses for its own reasons (a backend failed mid-response), which is
 *       not the client's doing and not counted.
 * </ul>
 */
final class Http2ResetBudget extends Http2FrameLogger {
  private static final Logger log = LoggerFactory.getLogger(Http2ResetBudget.class);

  /** Netty's own default for resets received, and a number no well-behaved client comes near. */
  static final int MAX_RESETS = 100;

  static final long WINDOW_NANOS = 30_000_000_000L;

  private final ProxyMetrics metrics;
  private final Channel connection;
  private long windowStart = System.nanoTime();
  private int resets;
  private boolean exceeded;

  Http2ResetBudget(ProxyMetrics metrics, Channel connection) {
    super(LogLevel.TRACE, Http2ResetBudget.class);
    this.metrics = metrics;
    this.connection = connection;
  }

  @Override
  public boolean isEnabled() {
    return false; // counting only: the other frames are not logged
  }

  @Override
  public void logRstStream(
      Direction direction, ChannelHandlerContext ctx, int streamId, long errorCode) {
    if (direction == Direction.OUTBOUND
        && errorCode != Http2Error.CANCEL.code()
        && errorCode != Http2Error.NO_ERROR.code()
        && spend()) {
      // Not from inside the frame writer that is writing the reset: after it.
      connection.eventLoop().execute(this::goAway);
    }
  }

  /**
   * A stream being served hit a stream error the client caused. Called from within the codec's
   * decoding, on the connection's event loop: the GOAWAY goes at once, and the frames still to be
   * decoded from the same read open no more streams.
   */
  void streamError() {
    if (spend()) {
      goAway();
    }
  }

  /** Counts one reset; true when that one went over the budget. */
  private boolean spend() {
    if (exceeded) {
      return false;
    }
    long now = System.nanoTime();
    if (now - windowStart >= WINDOW_NANOS) {
      windowStart = now;
      resets = 0;
    }
    if (++resets <= MAX_RESETS) {
      return false;
    }
    exceeded = true;
    metrics.violation("h2_reset_flood");
    log.debug(
        "{} made the proxy reset {} streams within {} s: GOAWAY",
        connection.remoteAddress(),
        resets,
        WINDOW_NANOS / 1_000_000_000L);
    return true;
  }

  private void goAway() {
    Http2ServerPipeline.enhanceYourCalm(
        connection,
        "too many streams reset by the server: "
            + resets
            + " in "
            + WINDOW_NANOS / 1_000_000_000L
            + " s");
  }
}
