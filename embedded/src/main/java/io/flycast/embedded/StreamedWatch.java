package io.flycast.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A watch, as the real API server streams it: one JSON {@code WatchEvent} a line in a chunked
 * response (kubectl, client-go), or one a text frame on a websocket (Fabric8's informers), until
 * {@code timeoutSeconds} or until the client goes away. The events come from the store's own watch
 * (the listener it answers a watch with, which this class opens as if it were the websocket), so
 * label and field selectors and what is watched are the store's. On top of it, as the real server
 * does: a {@code resourceVersion} skips the objects the client has already seen, {@code
 * allowWatchBookmarks=true} gets BOOKMARK events, and the store's watch is closed when the stream
 * ends, whichever side ends it.
 */
final class StreamedWatch implements WebSocket {
  /** How the events are framed on the connection. */
  enum Framing {
    /** Plain HTTP: a chunked response, an event a line. */
    CHUNKED,
    /** A websocket, its handshake already answered: an event a text frame. */
    WEBSOCKET
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Channel channel;
  private final Framing framing;
  private final RecordedRequest request;
  private final ApiFront front;
  private final long since;
  private final String accept;
  private final ResourcePath path;
  private final AtomicLong lastVersion;
  private final AtomicBoolean ended = new AtomicBoolean();

  private StreamedWatch(
      Channel channel,
      Framing framing,
      RecordedRequest request,
      ApiFront front,
      Query query,
      ResourcePath path) {
    this.channel = channel;
    this.framing = framing;
    this.request = request;
    this.front = front;
    this.since = version(query.get("resourceVersion"));
    this.lastVersion = new AtomicLong(since);
    this.accept = request.getHeader("Accept");
    this.path = path;
  }

  /**
   * Starts streaming the events of the store's watch {@code response} to the client: for {@link
   * Framing#CHUNKED}, after the response head written here; for {@link Framing#WEBSOCKET}, on the
   * websocket whose handshake has been answered.
   */
  static void start(
      ChannelHandlerContext ctx,
      Framing framing,
      RecordedRequest request,
      MockResponse response,
      ApiFront front) {
    String uri = request.getPath();
    int q = uri.indexOf('?');
    Query query = Query.parse(q < 0 ? "" : uri.substring(q + 1));
    ResourcePath path = ResourcePath.parse(q < 0 ? uri : uri.substring(0, q)).orElse(null);
    StreamedWatch watch = new StreamedWatch(ctx.channel(), framing, request, front, query, path);
    WebSocketListener listener = response.getWebSocketListener();
    AtomicInteger open =
        framing == Framing.CHUNKED ? front.streamedWatches() : front.websocketWatches();
    open.incrementAndGet();
    if (framing == Framing.CHUNKED) {
      HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
      head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
      head.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache, private");
      HttpUtil.setTransferEncodingChunked(head, true);
      ctx.writeAndFlush(head);
    }
    List<ScheduledFuture<?>> timers = new ArrayList<>();
    boolean bookmarks = "true".equals(query.get("allowWatchBookmarks"));
    if (bookmarks) {
      long every = front.bookmarkMillis();
      timers.add(
          ctx.executor().scheduleAtFixedRate(watch::bookmark, every, every, TimeUnit.MILLISECONDS));
    }
    long timeout = version(query.get("timeoutSeconds"));
    if (timeout > 0) {
      timers.add(
          ctx.executor()
              .schedule(
                  () -> {
                    if (bookmarks) {
                      watch.bookmark();
                    }
                    watch.close(1000, "timeout");
                  },
                  timeout,
                  TimeUnit.SECONDS));
    }
    // Whoever ends the stream (the client, a timeout, the server closing), the store's watch is
    // closed and forgotten: its listener holds a thread and is sent every change until then.
    ctx.channel()
        .closeFuture()
        .addListener(
            f -> {
              timers.forEach(t -> t.cancel(false));
              front
                  .blocking()
                  .execute(
                      () -> {
                        try {
                          listener.onClosed(watch, 1000, "watch ended");
                        } finally {
                          open.decrementAndGet();
                        }
                      });
            });
    // Reading again is how the client going away is seen (its connection carries nothing more).
    ctx.channel().config().setAutoRead(true);
    listener.onOpen(watch, response);
  }

  /** One event from the store's watch: written unless the client has seen it already. */
  @Override
  public boolean send(String text) {
    JsonNode event;
    try {
      event = JSON.readTree(text);
    } catch (IOException e) {
      return false;
    }
    JsonNode object = event.path("object");
    long version = version(object.path("metadata").path("resourceVersion").asText());
    // The store opens every watch with an ADDED event for each object it holds. With a
    // resourceVersion, the client has those up to that version (kubectl lists first): only the
    // ones changed since are sent, as ADDED (the store keeps no history to say MODIFIED).
    if ("ADDED".equals(event.path("type").asText()) && since > 0 && version <= since) {
      return true;
    }
    lastVersion.accumulateAndGet(version, Math::max);
    if (event instanceof ObjectNode e && path != null) {
      e.set("object", front.objects().write(object, accept, path));
    }
    return line(event.toString());
  }

  @Override
  public boolean send(byte[] bytes) {
    return send(new String(bytes, StandardCharsets.UTF_8));
  }

  /**
   * A BOOKMARK: every event up to its resourceVersion has been sent, so a client that resumes from
   * it misses nothing.
   */
  private void bookmark() {
    ObjectNode event = JSON.createObjectNode();
    event.put("type", "BOOKMARK");
    ObjectNode object = event.putObject("object");
    if (path != null) {
      for (ApiResource r : ApiResource.SERVED) {
        if (r.group().equals(path.group()) && r.plural().equals(path.plural())) {
          object.put("kind", r.kind());
        }
      }
      object.put(
          "apiVersion",
          path.group().isEmpty() ? path.version() : path.group() + "/" + path.version());
    }
    object.putObject("metadata").put("resourceVersion", Long.toString(lastVersion.get()));
    if (line(event.toString())) {
      front.bookmarksSent().incrementAndGet();
    }
  }

  private boolean line(String json) {
    if (ended.get() || !channel.isActive()) {
      return false;
    }
    channel.writeAndFlush(
        framing == Framing.WEBSOCKET
            ? new TextWebSocketFrame(json)
            : new DefaultHttpContent(Unpooled.copiedBuffer(json + "\n", StandardCharsets.UTF_8)));
    return true;
  }

  /** Ends the stream (the store closing its watch, or the timeout) and the connection. */
  @Override
  public boolean close(int code, String reason) {
    if (ended.compareAndSet(false, true) && channel.isActive()) {
      channel
          .writeAndFlush(
              framing == Framing.WEBSOCKET
                  ? new CloseWebSocketFrame(code, reason)
                  : LastHttpContent.EMPTY_LAST_CONTENT)
          .addListener(ChannelFutureListener.CLOSE);
    }
    return true;
  }

  @Override
  public RecordedRequest request() {
    return request;
  }

  private static long version(String value) {
    try {
      return value == null || value.isEmpty() ? 0 : Long.parseLong(value);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
