package io.flycast.proxy.http;

import io.netty.handler.codec.http.HttpContent;
import java.util.ArrayList;
import java.util.List;

/**
 * The request body kept, as it is sent, so a {@code fly-replay} can send it again. Keeps retained
 * duplicates of the decoder's (pooled) buffers rather than copies: the original is written and
 * released by the backend's encoder, the duplicate holds the bytes until {@link #release()}. Beyond
 * {@link #LIMIT} bytes everything kept is dropped: memory per request stays bounded, and such a
 * request gets the original response instead of a replay.
 *
 * <p>Event-loop confined, like the exchange that owns it.
 */
final class ReplayBody {
  /** Largest body kept for a replay: 1 MiB. */
  static final int LIMIT = 1 << 20;

  private final List<HttpContent> kept = new ArrayList<>();
  private long bytes;
  private boolean overflowed;

  /** Keeps {@code content} (not consuming it), unless the body outgrew the limit. */
  void keep(HttpContent content) {
    if (overflowed) {
      return;
    }
    bytes += content.content().readableBytes();
    if (bytes > LIMIT) {
      overflowed = true;
      release();
      return;
    }
    kept.add(content.retainedDuplicate());
  }

  /** Whether the body was too large to keep. */
  boolean overflowed() {
    return overflowed;
  }

  /** Hands over what was kept: the caller now owns (and releases) it. */
  List<HttpContent> take() {
    List<HttpContent> all = new ArrayList<>(kept);
    kept.clear();
    bytes = 0; // kept again as it is sent again, for the next replay
    return all;
  }

  /** Drops what was kept. Idempotent. */
  void release() {
    kept.forEach(HttpContent::release);
    kept.clear();
  }
}
