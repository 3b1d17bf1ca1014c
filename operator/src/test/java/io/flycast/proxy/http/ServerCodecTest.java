package io.flycast.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ServerCodecTest {
  private static ByteBuf bytes(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
  }

  /** Feeds {@code wire} to the codec and returns the request head it decoded. */
  private static HttpRequest head(EmbeddedChannel ch, String wire) {
    ch.writeInbound(bytes(wire));
    return ch.readInbound();
  }

  private static EmbeddedChannel channel() {
    return new EmbeddedChannel(new ServerCodec(4096, 1024));
  }

  @Test
  void contentLengthPlusChunkedIsMarkedAmbiguous() {
    EmbeddedChannel ch = channel();
    HttpRequest req =
        head(
            ch,
            """
            POST / HTTP/1.1\r
            Host: a\r
            Content-Length: 3\r
            Transfer-Encoding: chunked\r
            \r
            """);
    assertThat(req.decoderResult().cause())
        .isInstanceOf(ServerCodec.AmbiguousFramingException.class);
    drain(ch);
  }

  @Test
  void headerNamesFromTheWireAreStillValidated() {
    // The decoder's header maps trust names Flycast sets (TrustedHeaderNames); one arriving with a
    // character no token may hold must still fail the request, whatever name it resembles.
    EmbeddedChannel ch = channel();
    HttpRequest req = head(ch, "GET / HTTP/1.1\r\nHost: a\r\nFly-Client-IP\u0001: 1.2.3.4\r\n\r\n");
    assertThat(req.decoderResult().isFailure()).isTrue();
    drain(ch);

    ch = channel();
    req =
        head(
            ch,
            """
            GET / HTTP/1.1\r
            Host: a\r
            Fly-Client-IP: 1.2.3.4\r
            x-forwarded-for: 5.6.7.8\r
            \r
            """);
    assertThat(req.decoderResult().isSuccess()).isTrue();
    req.headers().set(FlyHeaders.FLY_REQUEST_ID, "id"); // trusted, and still a valid name
    assertThat(req.headers().get("fly-client-ip")).isEqualTo("1.2.3.4");
    drain(ch);
  }

  @Test
  void plainRequestDecodes() {
    EmbeddedChannel ch = channel();
    HttpRequest req = head(ch, "GET /x HTTP/1.1\r\nHost: a\r\n\r\n");
    assertThat(req.decoderResult().isSuccess()).isTrue();
    assertThat(req.uri()).isEqualTo("/x");
    assertThat((Object) ch.readInbound()).isInstanceOf(LastHttpContent.class);
    assertThat(ch.finish()).isFalse();
  }

  @Test
  void oversizedHeadIsMarkedTooLong() {
    EmbeddedChannel ch = channel();
    HttpRequest req = head(ch, "GET / HTTP/1.1\r\nX: " + "a".repeat(2000) + "\r\n\r\n");
    assertThat(req.decoderResult().cause()).isInstanceOf(TooLongHttpHeaderException.class);
    drain(ch);
  }

  @Test
  void headResponseKeepsItsContentLengthButSendsNoBody() {
    EmbeddedChannel ch = channel();
    ch.writeInbound(bytes("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n"));
    releaseInbound(ch);
    DefaultHttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    resp.headers().set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
    ch.writeOutbound(resp, LastHttpContent.EMPTY_LAST_CONTENT);
    StringBuilder out = new StringBuilder();
    Object o;
    while ((o = ch.readOutbound()) != null) {
      out.append(((ByteBuf) o).toString(StandardCharsets.ISO_8859_1));
      ReferenceCountUtil.release(o);
    }
    // No "0\r\n\r\n" terminator: a HEAD response has no body, chunked or not.
    assertThat(out.toString()).endsWith("\r\n\r\n").doesNotContain("0\r\n\r\n");
    assertThat(ch.finish()).isFalse();
  }

  private static void releaseInbound(EmbeddedChannel ch) {
    Object o;
    while ((o = ch.readInbound()) != null) {
      ReferenceCountUtil.release(o);
    }
  }

  private static void drain(EmbeddedChannel ch) {
    releaseInbound(ch);
    ch.finishAndReleaseAll();
  }
}
