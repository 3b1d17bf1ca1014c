package io.flycast.proxy.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.proxy.ProxyConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The request body pump on {@link EmbeddedChannel}s: a client end and a backend end. */
class RequestBodyPumpTest {
  /** Counts the reads the pump asks of the client. */
  private final AtomicInteger clientReads = new AtomicInteger();

  private final EmbeddedChannel client =
      new EmbeddedChannel(
          new ChannelOutboundHandlerAdapter() {
            @Override
            public void read(ChannelHandlerContext ctx) {
              clientReads.incrementAndGet();
              ctx.read();
            }
          });
  private final EmbeddedChannel backend = new EmbeddedChannel();
  private final AtomicBoolean mayReplay = new AtomicBoolean(true);
  private final List<HttpContent> offered = new ArrayList<>();

  @BeforeEach
  void countFromNow() {
    clientReads.set(0); // not the read an EmbeddedChannel does when it becomes active
  }

  @AfterEach
  void noLeaks() {
    backend.finishAndReleaseAll();
    client.finishAndReleaseAll();
    for (HttpContent c : offered) {
      assertThat(c.refCnt()).as("every piece of the body is released").isZero();
    }
  }

  private static HttpRequest post(long length) {
    HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/upload");
    req.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, (int) length);
    return req;
  }

  private RequestBodyPump pump(HttpRequest req, boolean noBody) {
    BodyPace pace =
        noBody ? null : new BodyPace(ProxyConfig.builder().build(), client.eventLoop(), () -> {});
    return new RequestBodyPump(client, req, pace, mayReplay::get);
  }

  private HttpContent chunk(String s) {
    HttpContent c = new DefaultHttpContent(Unpooled.copiedBuffer(s, UTF_8));
    offered.add(c);
    return c;
  }

  private LastHttpContent last(String s) {
    LastHttpContent c = new DefaultLastHttpContent(Unpooled.copiedBuffer(s, UTF_8));
    offered.add(c);
    return c;
  }

  /** What the backend was sent, as text: heads by their URI, content by its bytes. */
  private List<String> sentToBackend() {
    List<String> out = new ArrayList<>();
    Object m;
    while ((m = backend.readOutbound()) != null) {
      if (m instanceof HttpRequest r) {
        out.add("HEAD " + r.uri());
      }
      if (m instanceof HttpContent c) {
        ByteBuf b = c.content();
        out.add((c instanceof LastHttpContent ? "LAST " : "") + b.toString(UTF_8));
        c.release();
      }
    }
    return out;
  }

  @Test
  void aSmallBodyIsReadWholeBeforeDialingThenSentWithTheHead() {
    RequestBodyPump pump = pump(post(10), false);
    assertThat(pump.bufferFirst(false)).isTrue();
    pump.startBuffering();
    assertThat(clientReads).hasValue(1);
    assertThat(pump.offer(chunk("hello"), null, false)).isEqualTo(RequestBodyPump.Step.BUFFERING);
    assertThat(clientReads).as("more of the body is asked for").hasValue(2);
    assertThat(pump.offer(last("world"), null, false)).isEqualTo(RequestBodyPump.Step.DIAL);
    assertThat(pump.complete()).isTrue();
    assertThat(backend.outboundMessages()).as("nothing goes before a backend").isEmpty();

    pump.sendTo(backend);
    assertThat(sentToBackend()).containsExactly("HEAD /upload", "hello", "LAST world");
    assertThat(pump.bodySent()).isTrue();
    assertThat(clientReads).as("the body is whole: nothing more is read").hasValue(2);
    pump.release();
  }

  @Test
  void aStreamedBodyIsReadFromTheClientOnlyAfterEachWriteToTheBackend() {
    HttpRequest req = post(RequestBodyPump.BUFFERED_LIMIT * 4L);
    RequestBodyPump pump = pump(req, false);
    assertThat(pump.bufferFirst(false)).as("too large to hold").isFalse();
    pump.sendTo(backend);
    assertThat(clientReads).as("the head went: the body may come").hasValue(1);
    assertThat(pump.offer(chunk("a"), backend, false)).isEqualTo(RequestBodyPump.Step.SENT);
    assertThat(clientReads).hasValue(2);
    assertThat(pump.offer(last("b"), backend, false)).isEqualTo(RequestBodyPump.Step.SENT);
    assertThat(clientReads).as("nothing is read after the last content").hasValue(2);
    assertThat(sentToBackend()).containsExactly("HEAD /upload", "a", "LAST b");
    pump.release();
  }

  @Test
  void aBackendWriteThatFailsReadsNoMoreFromTheClient() {
    RequestBodyPump pump = pump(post(RequestBodyPump.BUFFERED_LIMIT * 4L), false);
    pump.sendTo(backend);
    int before = clientReads.get();
    backend.close();
    pump.offer(chunk("a"), backend, false);
    assertThat(clientReads).hasValue(before);
    pump.release();
  }

  @Test
  void contentWhileNoBackendIsConnectedWaitsForTheNextOne() {
    RequestBodyPump pump = pump(post(RequestBodyPump.BUFFERED_LIMIT * 4L), false);
    assertThat(pump.offer(chunk("early"), null, false)).isEqualTo(RequestBodyPump.Step.HELD);
    pump.sendTo(backend);
    assertThat(sentToBackend()).containsExactly("HEAD /upload", "early");
    pump.release();
  }

  @Test
  void aRequestWithoutBodyGoesInOneWriteAndItsEmptyEndIsDropped() {
    HttpRequest get = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
    RequestBodyPump pump = pump(get, true);
    assertThat(pump.bufferFirst(false)).isFalse();
    pump.sendTo(backend);
    Object sent = backend.readOutbound();
    assertThat(sent).isInstanceOf(FullHttpRequest.class);
    ((FullHttpRequest) sent).release();
    assertThat(pump.offer(last(""), backend, false)).isEqualTo(RequestBodyPump.Step.DROPPED);
    assertThat(pump.complete()).isTrue();
    assertThat(backend.outboundMessages()).isEmpty();
    assertThat(clientReads).as("a request without body reads nothing").hasValue(0);
  }

  @Test
  void aRetriedRequestWhoseEndWentToTheFailedBackendIsEndedOnTheNextOne() {
    HttpRequest req = post(0);
    req.headers().remove(HttpHeaderNames.CONTENT_LENGTH);
    req.headers().set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
    RequestBodyPump pump = pump(req, false);
    pump.sendTo(backend);
    pump.offer(last(""), backend, false);
    sentToBackend();
    pump.backendLost();
    EmbeddedChannel next = new EmbeddedChannel();
    pump.sendTo(next);
    assertThat(next.<Object>readOutbound()).isInstanceOf(HttpRequest.class);
    assertThat(next.<Object>readOutbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
    next.finishAndReleaseAll();
    pump.release();
  }

  @Test
  void theBodySentIsKeptForAReplayAndSentAgainToTheNextBackend() {
    RequestBodyPump pump = pump(post(10), false);
    pump.startBuffering();
    pump.offer(last("0123456789"), null, false);
    pump.sendTo(backend);
    sentToBackend();

    pump.rewindForReplay();
    assertThat(pump.bodySent()).isFalse();
    EmbeddedChannel next = new EmbeddedChannel();
    pump.sendTo(next);
    assertThat(next.<Object>readOutbound()).isInstanceOf(HttpRequest.class);
    HttpContent again = next.readOutbound();
    assertThat(again.content().toString(UTF_8)).isEqualTo("0123456789");
    again.release();
    next.finishAndReleaseAll();
    pump.release();
  }

  @Test
  void noCopyIsKeptOnceAReplayCannotCome() {
    mayReplay.set(false);
    RequestBodyPump pump = pump(post(10), false);
    pump.startBuffering();
    pump.offer(last("0123456789"), null, false);
    pump.sendTo(backend);
    sentToBackend();
    pump.rewindForReplay();
    EmbeddedChannel next = new EmbeddedChannel();
    pump.sendTo(next);
    assertThat(next.<Object>readOutbound()).isInstanceOf(HttpRequest.class);
    assertThat(next.<Object>readOutbound())
        .as("no body kept: the request's end is all that goes")
        .isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
    next.finishAndReleaseAll();
    pump.release();
  }

  @Test
  void releasingDropsWhatWaitsAndWhatComesAfter() {
    RequestBodyPump pump = pump(post(RequestBodyPump.BUFFERED_LIMIT * 4L), false);
    pump.offer(chunk("waiting"), null, false);
    pump.release();
    assertThat(offered.get(0).refCnt()).isZero();
    assertThat(pump.offer(last("late"), backend, false)).isEqualTo(RequestBodyPump.Step.DROPPED);
    assertThat(backend.outboundMessages()).isEmpty();
  }
}
