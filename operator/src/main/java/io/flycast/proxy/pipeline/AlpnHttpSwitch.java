package io.flycast.proxy.pipeline;

import io.flycast.proxy.ConnectionErrors;
import io.flycast.proxy.ProxyMetrics;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On a TLS-terminated HTTP connection, waits for the handshake and builds the HTTP pipeline for the
 * protocol ALPN chose: HTTP/2 ({@link Http2ServerPipeline}) or HTTP/1.1 (also when the client
 * offered no ALPN).
 */
final class AlpnHttpSwitch extends ApplicationProtocolNegotiationHandler {
  static final String NAME = "alpn";
  private static final Logger log = LoggerFactory.getLogger(AlpnHttpSwitch.class);

  private final ProxyMetrics metrics;
  private final ConnectionErrors errors;
  private final Runnable http1;
  private final Runnable http2;

  AlpnHttpSwitch(ProxyMetrics metrics, ConnectionErrors errors, Runnable http1, Runnable http2) {
    super(ApplicationProtocolNames.HTTP_1_1);
    this.metrics = metrics;
    this.errors = errors;
    this.http1 = http1;
    this.http2 = http2;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    // AUTO_READ is off and the HTTP handler that would ask for the ClientHello is not there yet.
    ctx.read();
    super.channelActive(ctx);
  }

  /** A failed handshake is the client's problem (scanners, wrong trust): not worth a warning. */
  @Override
  protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("TLS handshake from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }

  /** Plaintext on a TLS port and the like: closed quietly, as without ALPN. */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    errors.close(ctx, cause, ConnectionErrors.Kind.CLIENT_TLS, null);
  }

  @Override
  protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
    boolean h2 = ApplicationProtocolNames.HTTP_2.equals(protocol);
    metrics.httpProtocol(h2);
    if (h2) {
      http2.run();
    } else {
      http1.run();
    }
  }
}
