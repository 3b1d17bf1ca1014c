package io.flycast.proxy.pipeline;

import io.flycast.proxy.ProxyMetrics;
import io.flycast.proxy.http.RequestChecks;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First on an HTTP/2 stream: refuses a malformed request before Netty's conversion turns it into
 * the HTTP/1.1 request the backend gets. {@code :path}, {@code :method} and header values go into a
 * request line and header block as they are, so a CR or LF in them would let a client write a
 * second request to the backend, with forged Fly headers, on a connection other clients share. RFC
 * 9113 section 8.1.1: a malformed request is a stream error of type PROTOCOL_ERROR.
 *
 * <p>It also tells the connection's {@link Http2ResetBudget} of stream errors the client causes
 * later on the stream: Netty hands them to the stream's channel, which closes on them.
 */
final class Http2StreamCheck extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(Http2StreamCheck.class);

  private final ProxyMetrics metrics;
  private final Http2ResetBudget resets;
  private boolean headersSeen;

  Http2StreamCheck(ProxyMetrics metrics, Http2ResetBudget resets) {
    this.metrics = metrics;
    this.resets = resets;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof Http2HeadersFrame frame) {
      String problem =
          headersSeen
              ? RequestChecks.http2TrailersProblem(frame.headers())
              : RequestChecks.http2RequestProblem(frame.headers());
      headersSeen = true;
      if (problem != null) {
        ReferenceCountUtil.release(msg);
        log.debug("resetting stream from {}: {}", ctx.channel().parent().remoteAddress(), problem);
        metrics.violation("h2_malformed_request");
        ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.PROTOCOL_ERROR))
            .addListener(ChannelFutureListener.CLOSE);
        return;
      }
    }
    ctx.fireChannelRead(msg);
  }

  /** A stream error the client caused (a zero WINDOW_UPDATE, DATA after END_STREAM...). */
  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof Http2Exception) {
      resets.streamError();
    }
    ctx.fireExceptionCaught(cause);
  }
}
