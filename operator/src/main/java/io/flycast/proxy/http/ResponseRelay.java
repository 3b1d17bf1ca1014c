package io.flycast.proxy.http;

import io.flycast.proxy.cache.ResponseTee;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * The response on its way from the backend to the client, with backpressure: the next piece is read
 * from the backend only when the client's socket can take it (below its high water mark). Nothing
 * is buffered beyond one backend read, so streamed responses (chunked, server-sent events) pass
 * through as they come.
 *
 * <p>Writes are merged per backend read: parts are flushed when the read that produced them is over
 * ({@link #readComplete}), and the head is held back ({@link #head}) so that a response whose head
 * and whole body come in one read (most small ones) leaves in one message, one write.
 *
 * <p>Event-loop confined, like the exchange that owns it.
 */
final class ResponseRelay {
  private final Channel client;
  private final IntConsumer bytesSent;
  private final Runnable written;
  private final Runnable writeFailed;
  private final ChannelFutureListener failOnError;

  /** A 1xx went to the client: its (empty) end is forwarded before the final response starts. */
  private boolean interimOpen;

  /** Response parts were written to the client and wait for the end of the backend read. */
  private boolean unflushed;

  /** The client's socket is over its high water mark: read the backend once it drains. */
  private boolean awaitingWritable;

  /** The response head, ready but not written yet (see the class comment). */
  private HttpResponse pendingHead;

  /**
   * @param bytesSent told the body bytes of each part as it is written (the write releases them)
   * @param written run once the response's last part was written to the client
   * @param writeFailed run when a write to the client failed: the connection is broken
   */
  ResponseRelay(Channel client, IntConsumer bytesSent, Runnable written, Runnable writeFailed) {
    this.client = client;
    this.bytesSent = bytesSent;
    this.written = written;
    this.writeFailed = writeFailed;
    this.failOnError =
        f -> {
          if (!f.isSuccess()) {
            writeFailed.run();
          }
        };
  }

  /**
   * Readies a final backend response head for the client: hop-by-hop headers out, {@code
   * fly-request-id} and {@code Via} in, with the port's own response headers; then labelled by the
   * route's cache ({@code tee}, or null), and given the route's rate limit fields ({@code pace}, or
   * null). Returns the head to send: the tee turns a 304 that validated the stored response into
   * it. Whether the backend keeps its connection must be read before: {@code Connection: close} is
   * hop-by-hop.
   */
  static HttpResponse prepare(
      HttpResponse resp,
      String requestId,
      CharSequence via,
      Map<String, String> responseHeaders,
      ResponseTee tee,
      RateLimitGate.Pace pace) {
    FlyHeaders.prepareResponse(resp, requestId, via, responseHeaders);
    if (tee != null) {
      resp = tee.head(resp); // labelled; a 304 that validated the stored response becomes it
    }
    if (pace != null) {
      pace.apply(resp.headers()); // after the tee copied what it stores: no entry keeps them
    }
    return resp;
  }

  /**
   * Frames a final response head for the client: HTTP/1.1, a body of unknown length re-framed as
   * chunked (or, for an HTTP/1.0 client, delimited by closing), and the connection's keep-alive.
   * Returns whether the client connection stays open after it.
   */
  static boolean frame(
      HttpResponse resp, boolean headRequest, boolean http10Client, boolean keepAlive) {
    resp.setProtocolVersion(HttpVersion.HTTP_1_1);
    int code = resp.status().code();
    boolean mayHaveBody = !headRequest && code != 204 && code != 304;
    if (!HttpUtil.isContentLengthSet(resp) && mayHaveBody) {
      if (http10Client) {
        // Sent as it comes and delimited by closing the connection.
        HttpUtil.setTransferEncodingChunked(resp, false);
        keepAlive = false;
      } else if (!FlyHeaders.isChunked(resp)) {
        // Body delimited by the backend closing: re-frame it as chunked for the client.
        HttpUtil.setTransferEncodingChunked(resp, true);
      }
    }
    HttpUtil.setKeepAlive(resp, keepAlive);
    return keepAlive;
  }

  /**
   * A 1xx (100 Continue and friends) is forwarded at once, but it is not the response yet. False
   * when {@code resp} is not one: a final head (a 101 is one too, the last HTTP of an upgrade).
   */
  boolean interim(HttpResponse resp, Channel backend) {
    if (resp.status().codeClass() != HttpStatusClass.INFORMATIONAL
        || resp.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
      return false;
    }
    interimOpen = true;
    client.writeAndFlush(resp).addListener(f -> backend.read());
    return true;
  }

  /**
   * Forwards the end of an interim response, if {@code content} is one; false when it is not. The
   * encoder writes nothing for it, but its state machine must see the interim response end before
   * the final one starts.
   */
  boolean interimEnd(HttpContent content, Channel backend) {
    if (!interimOpen || !(content instanceof LastHttpContent)) {
      return false;
    }
    interimOpen = false;
    client.writeAndFlush(content).addListener(f -> backend.read());
    return true;
  }

  /** The final response head: written with the body if it comes in this read, else when it ends. */
  void head(HttpResponse resp) {
    pendingHead = resp;
  }

  /** A part of the response body; the last one is flushed at once and ends the response. */
  void content(HttpContent content) {
    boolean last = content instanceof LastHttpContent;
    if (last && pendingHead != null) {
      HttpResponse head = pendingHead;
      pendingHead = null;
      write(
          new DefaultFullHttpResponse(
              head.protocolVersion(),
              head.status(),
              content.content(),
              head.headers(),
              ((LastHttpContent) content).trailingHeaders()),
          true);
      return;
    }
    writePendingHead();
    write(content, last);
  }

  private void writePendingHead() {
    HttpResponse head = pendingHead;
    if (head != null) {
      pendingHead = null;
      write(head, false);
    }
  }

  private void write(HttpObject msg, boolean last) {
    if (msg instanceof HttpContent c) {
      bytesSent.accept(c.content().readableBytes()); // now: the write releases it
    }
    if (last) {
      unflushed = false; // flushed with this
      client
          .writeAndFlush(msg)
          .addListener(
              f -> {
                if (f.isSuccess()) {
                  written.run();
                } else {
                  writeFailed.run();
                }
              });
    } else {
      unflushed = true;
      client.write(msg).addListener(failOnError);
    }
  }

  /**
   * A backend read is over: what it produced goes to the client in one flush, and the backend is
   * read again when the client can take more. {@code backend} is null once the response ended.
   */
  void readComplete(Channel backend) {
    writePendingHead(); // the body comes in a later read: the head goes now
    if (!unflushed) {
      return;
    }
    unflushed = false;
    client.flush();
    readWhenClientWritable(backend);
  }

  /** The client's socket drained below its low water mark: the response may flow again. */
  void clientWritable(Channel backend) {
    if (awaitingWritable) {
      readWhenClientWritable(backend);
    }
  }

  private void readWhenClientWritable(Channel backend) {
    awaitingWritable = !client.isWritable();
    if (!awaitingWritable && backend != null) {
      backend.read();
    }
  }
}
