package io.flycast.proxy.http;

import io.flycast.proxy.TrustedHeaderNames;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Netty's {@code HttpServerCodec}, but refusing request smuggling: a request with both
 * Content-Length and Transfer-Encoding is marked failed (Netty would drop the Content-Length and go
 * on, RFC 9112 section 6.1 allows it, but two framings is what smuggling attacks look like and a
 * proxy that forwards such a request can disagree with its backend about where it ends). Duplicate
 * or invalid Content-Length are already refused by Netty's decoder.
 */
public final class ServerCodec
    extends CombinedChannelDuplexHandler<ServerCodec.Decoder, ServerCodec.Encoder> {
  /** Its name in the client pipeline. */
  public static final String NAME = "http-codec";

  /** Marks a request whose framing is ambiguous. */
  static final class AmbiguousFramingException extends IllegalArgumentException {
    AmbiguousFramingException() {
      super("both Content-Length and Transfer-Encoding");
    }
  }

  public ServerCodec(int maxInitialLineLength, int maxHeaderSize) {
    // HEAD responses carry headers of a body they do not have; the encoder must know the method.
    ArrayDeque<HttpMethod> methods = new ArrayDeque<>();
    init(
        new Decoder(
            new HttpDecoderConfig()
                .setMaxInitialLineLength(maxInitialLineLength)
                .setMaxHeaderSize(maxHeaderSize)
                .setAllowDuplicateContentLengths(false)
                .setHeadersFactory(TrustedHeaderNames.HEADERS),
            methods),
        new Encoder(methods));
  }

  static final class Decoder extends HttpRequestDecoder {
    private final ArrayDeque<HttpMethod> methods;

    Decoder(HttpDecoderConfig config, ArrayDeque<HttpMethod> methods) {
      super(config);
      this.methods = methods;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out)
        throws Exception {
      int before = out.size();
      super.decode(ctx, buffer, out);
      for (int i = before; i < out.size(); i++) {
        if (out.get(i) instanceof HttpRequest req) {
          methods.add(req.method());
        }
      }
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
      message.setDecoderResult(DecoderResult.failure(new AmbiguousFramingException()));
    }
  }

  static final class Encoder extends HttpResponseEncoder {
    private final ArrayDeque<HttpMethod> methods;
    private HttpMethod method;

    Encoder(ArrayDeque<HttpMethod> methods) {
      this.methods = methods;
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpResponse msg) {
      // An interim 1xx (other than 101, which ends the exchange) answers no request by itself.
      boolean interim =
          msg.status().codeClass() == HttpStatusClass.INFORMATIONAL
              && !msg.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS);
      if (!interim) {
        method = methods.poll();
      }
      return (HttpMethod.HEAD.equals(method) && !interim) || super.isContentAlwaysEmpty(msg);
    }
  }
}
