package io.flycast.proxy.pipeline;

import io.flycast.proxy.ProxyMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the frame headers of an HTTP/2 client connection as its bytes pass to the codec, and ends
 * the connection with GOAWAY ENHANCE_YOUR_CALM when one header block is split into more than {@link
 * #MAX_CONTINUATIONS} CONTINUATION frames.
 *
 * <p>Why: Netty bounds a header block by its decoded size, and an empty CONTINUATION frame adds
 * nothing to that size. A client could send them without end, each costing the server a frame parse
 * (1.5 million of them cost 1.2 CPU-seconds in an outside test). A real client fills CONTINUATION
 * frames up to the frame size (16 KiB by default), so a header block within the proxy's header size
 * limit needs one or two.
 *
 * <p>Only the 9-byte frame headers are looked at; payloads are skipped, and every byte passes on
 * unchanged. The client's 24-byte connection preface comes first, and is skipped too.
 */
final class Http2FrameGuard extends ChannelInboundHandlerAdapter {
  static final String NAME = "h2-frame-guard";
  static final int MAX_CONTINUATIONS = 16;

  /** RFC 9113 section 3.4: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n". */
  private static final int PREFACE_LENGTH = 24;

  private static final int FRAME_HEADER_LENGTH = 9;
  private static final int TYPE_CONTINUATION = 0x9;
  private static final Logger log = LoggerFactory.getLogger(Http2FrameGuard.class);

  private final ProxyMetrics metrics;
  private final byte[] header = new byte[FRAME_HEADER_LENGTH];
  private int headerFilled;

  /** Bytes to pass before the next frame header: the preface, then each frame's payload. */
  private long skip = PREFACE_LENGTH;

  private int continuations;
  private boolean closed;

  Http2FrameGuard(ProxyMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (closed) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof ByteBuf buf && !inspect(buf)) {
      closed = true;
      buf.release();
      metrics.violation("h2_continuation_flood");
      log.debug(
          "{} split a header block into more than {} CONTINUATION frames: GOAWAY",
          ctx.channel().remoteAddress(),
          MAX_CONTINUATIONS);
      Http2ServerPipeline.enhanceYourCalm(
          ctx.channel(),
          "more than " + MAX_CONTINUATIONS + " CONTINUATION frames in one header block");
      return;
    }
    ctx.fireChannelRead(msg);
  }

  /** Walks the frame headers in {@code buf}; false when the client went over the bound. */
  private boolean inspect(ByteBuf buf) {
    int i = buf.readerIndex();
    int end = buf.writerIndex();
    while (i < end) {
      if (skip > 0) {
        int n = (int) Math.min(skip, end - i);
        skip -= n;
        i += n;
        continue;
      }
      int n = Math.min(FRAME_HEADER_LENGTH - headerFilled, end - i);
      buf.getBytes(i, header, headerFilled, n);
      headerFilled += n;
      i += n;
      if (headerFilled < FRAME_HEADER_LENGTH) {
        break;
      }
      headerFilled = 0;
      skip = (header[0] & 0xffL) << 16 | (header[1] & 0xffL) << 8 | (header[2] & 0xffL);
      if (header[3] == TYPE_CONTINUATION) {
        if (++continuations > MAX_CONTINUATIONS) {
          return false;
        }
      } else {
        continuations = 0;
      }
    }
    return true;
  }
}
