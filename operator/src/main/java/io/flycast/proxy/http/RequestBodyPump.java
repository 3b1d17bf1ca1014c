package io.flycast.proxy.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The request, head and body, on its way from the client to the backend, with backpressure: the
 * next body chunk is read from the client only after the previous one was written to the backend.
 *
 * <p>A body of up to {@link #BUFFERED_LIMIT} bytes (by Content-Length, or chunked and ending within
 * it) is read whole before a backend is dialed, as nginx does, so a slow client holds no backend
 * slot while it sends; larger bodies stream. Either way the client must keep up a minimum rate
 * ({@link BodyPace}). Content that arrives while no backend is connected waits here and goes once
 * one is ({@link #sendTo}); a copy of what is sent is kept for a {@code fly-replay} ({@link
 * ReplayBody}) while the exchange says a replay may still come.
 *
 * <p>Event-loop confined, like the exchange that owns it. Once {@link #release()}d it writes and
 * reads nothing more.
 */
final class RequestBodyPump {
  /** Bodies up to this size are read whole before dialing a backend: 64 KiB. */
  static final int BUFFERED_LIMIT = 64 * 1024;

  /** What {@link #offer} did with a piece of the body. */
  enum Step {
    /** Released unread: there is no body, or nobody will send it. */
    DROPPED,
    /** Buffering before the dial; more was asked of the client. */
    BUFFERING,
    /** Buffering is over (the body is whole, or too large to buffer): dial now. */
    DIAL,
    /** Held until a backend is connected. */
    HELD,
    /** Written to the backend. */
    SENT
  }

  private final Channel client;
  private final HttpRequest request;

  /** The time the client takes to send the body; null when there is none. */
  private final BodyPace pace;

  /** Whether a copy of the body must be kept for a replay right now. */
  private final BooleanSupplier keepForReplay;

  /**
   * The request has no body (no Content-Length above 0, not chunked): it goes to the backend in one
   * write, head and end together, and the empty last content the decoder sends after the head is
   * dropped.
   */
  private final boolean noBody;

  private final List<HttpContent> pending = new ArrayList<>();
  private final ReplayBody replayBody = new ReplayBody();
  private boolean buffering;
  private int bufferedBytes;
  private boolean complete;
  private boolean bodySent;

  /** The request's last content was written to the current backend. */
  private boolean lastSent;

  private boolean released;

  RequestBodyPump(
      Channel client, HttpRequest request, BodyPace pace, BooleanSupplier keepForReplay) {
    this.client = client;
    this.request = request;
    this.noBody = pace == null;
    this.pace = pace;
    this.keepForReplay = keepForReplay;
  }

  /** Whether the request came whole from the client (its last content was read). */
  boolean complete() {
    return complete;
  }

  /** Whether body bytes went to a backend (then the request may not be retried elsewhere). */
  boolean bodySent() {
    return bodySent;
  }

  /** Whether the body kept for a replay outgrew {@link ReplayBody#LIMIT}. */
  boolean replayBodyOverflowed() {
    return replayBody.overflowed();
  }

  /**
   * Whether to read the body before dialing: when it is small or of unknown size (chunked, buffered
   * up to the limit), and the client is not waiting for a 100 Continue before sending it.
   */
  boolean bufferFirst(boolean upgrade) {
    return !noBody
        && !upgrade
        && !HttpUtil.is100ContinueExpected(request)
        && HttpUtil.getContentLength(request, -1L) <= BUFFERED_LIMIT;
  }

  /** Starts reading the body whole; {@link #offer} says {@link Step#DIAL} when it is. */
  void startBuffering() {
    buffering = true;
    readMore();
  }

  /** Asks the client for more of the body, on the clock of {@link BodyPace}. */
  private void readMore() {
    pace.waiting();
    client.read();
  }

  /**
   * A piece of the body from the client, for {@code backend} (null while none is connected). With
   * {@code responseOver}, the response already went whole and nobody reads the rest.
   */
  Step offer(HttpContent content, Channel backend, boolean responseOver) {
    if (pace != null) {
      pace.received(content.content().readableBytes());
    }
    if (content instanceof LastHttpContent) {
      complete = true;
      if (pace != null) {
        pace.stop();
      }
    }
    if (released || noBody || responseOver) {
      content.release();
      return Step.DROPPED;
    }
    if (buffering) {
      pending.add(content);
      bufferedBytes += content.content().readableBytes();
      if (complete || bufferedBytes > BUFFERED_LIMIT) {
        buffering = false; // whole, or larger than buffered: the rest streams once connected
        return Step.DIAL;
      }
      readMore();
      return Step.BUFFERING;
    }
    if (backend == null) {
      pending.add(content); // sent once connected
      return Step.HELD;
    }
    bodySent |= content.content().isReadable();
    boolean last = content instanceof LastHttpContent;
    lastSent |= last;
    keep(content);
    backend
        .writeAndFlush(content)
        .addListener(
            f -> {
              if (f.isSuccess() && !last && !released) {
                readMore();
              }
            });
    return Step.SENT;
  }

  /**
   * Writes the request to a newly connected backend: the head, what waited, and (on a retry whose
   * request ended on the failed backend) its end; then reads more of the body once that went.
   */
  void sendTo(Channel backend) {
    if (noBody) {
      lastSent = true;
      backend.writeAndFlush(
          new DefaultFullHttpRequest(
              request.protocolVersion(),
              request.method(),
              request.uri(),
              Unpooled.EMPTY_BUFFER,
              request.headers(),
              EmptyHttpHeaders.INSTANCE));
      return;
    }
    ChannelFuture last = backend.write(request);
    boolean wroteLast = false;
    for (HttpContent c : pending) {
      bodySent |= c.content().isReadable();
      wroteLast |= c instanceof LastHttpContent;
      keep(c);
      last = backend.write(c);
    }
    if (complete && !lastSent && !wroteLast) {
      // A retry: the request (without body, or retries are not allowed) ended on the failed
      // backend.
      last = backend.write(LastHttpContent.EMPTY_LAST_CONTENT);
    }
    lastSent = complete;
    pending.clear();
    backend.flush();
    last.addListener(
        f -> {
          if (f.isSuccess() && !complete && !released) {
            readMore();
          }
        });
  }

  /** The backend connection is gone: the next one gets the request from its start. */
  void backendLost() {
    lastSent = false;
  }

  /** A replay: the kept body goes again, to the next backend, once connected. */
  void rewindForReplay() {
    lastSent = false;
    pending.addAll(replayBody.take());
    bodySent = false;
  }

  /** The response starts: no replay now, so the copy kept for one goes. */
  void dropReplayCopy() {
    replayBody.release();
  }

  private void keep(HttpContent content) {
    if (keepForReplay.getAsBoolean()) {
      replayBody.keep(content);
    }
  }

  /** The exchange is over: releases everything held and stops the body clock. Idempotent. */
  void release() {
    released = true;
    if (pace != null) {
      pace.stop();
    }
    pending.forEach(ReferenceCountUtil::release);
    pending.clear();
    replayBody.release();
  }
}
