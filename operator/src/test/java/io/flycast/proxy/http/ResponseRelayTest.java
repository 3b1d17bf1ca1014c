package io.flycast.proxy.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The response relay on {@link EmbeddedChannel}s: a client end and a backend end. */
class ResponseRelayTest {
  /** Counts the reads the relay asks of the backend. */
  private final AtomicInteger backendReads = new AtomicInteger();

  private final EmbeddedChannel backend =
      new EmbeddedChannel(
          new ChannelOutboundHandlerAdapter() {
            @Override
            public void read(ChannelHandlerContext ctx) {
              backendReads.incrementAndGet();
              ctx.read();
            }
          });
  private final EmbeddedChannel client = new EmbeddedChannel();
  private final AtomicInteger written = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private final AtomicInteger bytes = new AtomicInteger();
  private final ResponseRelay relay =
      new ResponseRelay(
          client, bytes::addAndGet, written::incrementAndGet, failed::incrementAndGet);

  @BeforeEach
  void countFromNow() {
    backendReads.set(0); // not the read an EmbeddedChannel does when it becomes active
  }

  @AfterEach
  void noLeaks() {
    assertThat(client.finishAndReleaseAll()).isFalse();
    backend.finishAndReleaseAll();
  }

  private static HttpResponse ok() {
    return new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
  }

  private static HttpContent chunk(String s) {
    return new DefaultHttpContent(Unpooled.copiedBuffer(s, UTF_8));
  }

  private static LastHttpContent last(String s) {
    return new DefaultLastHttpContent(Unpooled.copiedBuffer(s, UTF_8));
  }

  @Test
  void aResponseWholeInOneBackendReadLeavesAsOneMessage() {
    relay.head(ok());
    relay.content(last("hello"));
    FullHttpResponse out = client.readOutbound();
    assertThat(out.content().toString(UTF_8)).isEqualTo("hello");
    out.release();
    assertThat(client.outboundMessages()).isEmpty();
    assertThat(written).hasValue(1);
    assertThat(bytes).hasValue(5);
  }

  @Test
  void partsAreFlushedWhenTheBackendReadEndsAndTheBackendIsReadAgain() {
    relay.head(ok());
    relay.readComplete(backend);
    assertThat(client.<Object>readOutbound())
        .as("the body comes in a later read: the head goes now")
        .isInstanceOf(HttpResponse.class);
    assertThat(backendReads).hasValue(1);

    relay.content(chunk("a"));
    relay.content(chunk("b"));
    assertThat(client.outboundMessages()).as("not flushed within the read").isEmpty();
    relay.readComplete(backend);
    assertThat(client.outboundMessages()).hasSize(2);
    assertThat(backendReads).hasValue(2);
    client.releaseOutbound();

    relay.content(last(""));
    assertThat(client.outboundMessages()).as("the last part is flushed at once").hasSize(1);
    client.releaseOutbound();
    assertThat(written).hasValue(1);
    assertThat(failed).hasValue(0);
  }

  @Test
  void aClientOverItsHighWaterMarkStopsBackendReadsUntilItDrains() {
    relay.head(ok());
    relay.content(chunk("a"));
    client.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
    relay.readComplete(backend);
    assertThat(backendReads).as("backpressure: the client cannot take more").hasValue(0);
    relay.clientWritable(backend);
    assertThat(backendReads).as("still over the mark").hasValue(0);

    client.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
    relay.clientWritable(backend);
    assertThat(backendReads).hasValue(1);
    relay.clientWritable(backend);
    assertThat(backendReads).as("one read per drain, not per event").hasValue(1);
    client.releaseOutbound();
    relay.content(last(""));
    client.releaseOutbound();
  }

  @Test
  void aFailedWriteToTheClientIsReported() {
    client.close();
    relay.head(ok());
    relay.content(last("x"));
    assertThat(failed).hasValue(1);
    assertThat(written).hasValue(0);
  }

  @Test
  void anInterimResponseAndItsEndAreForwardedBeforeTheFinalOne() {
    relay.interim(
        new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE), backend);
    assertThat(backendReads).hasValue(1);
    assertThat(relay.interimEnd(LastHttpContent.EMPTY_LAST_CONTENT, backend)).isTrue();
    assertThat(backendReads).hasValue(2);
    assertThat(client.<Object>readOutbound()).isInstanceOf(HttpResponse.class);
    assertThat(client.<Object>readOutbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
    LastHttpContent end = last("");
    assertThat(relay.interimEnd(end, backend)).as("no interim response open").isFalse();
    end.release();
  }

  @Test
  void aBodyOfUnknownLengthIsChunkedForHttp11AndDelimitedByClosingForHttp10() {
    HttpResponse r11 = ok();
    assertThat(ResponseRelay.frame(r11, false, false, true)).isTrue();
    assertThat(HttpUtil.isTransferEncodingChunked(r11)).isTrue();

    HttpResponse r10 = ok();
    assertThat(ResponseRelay.frame(r10, false, true, true)).as("closed to end the body").isFalse();
    assertThat(HttpUtil.isTransferEncodingChunked(r10)).isFalse();
    assertThat(r10.headers().get(HttpHeaderNames.CONNECTION)).isEqualToIgnoringCase("close");

    HttpResponse head = ok();
    assertThat(ResponseRelay.frame(head, true, true, true)).as("a HEAD has no body").isTrue();
    assertThat(HttpUtil.isTransferEncodingChunked(head)).isFalse();
  }
}
