package io.flycast.network;

import java.util.Locale;

/** The outcome of a {@link NetworkPolicy} decision; refusals carry a metric-label reason. */
public enum Access {
  /** The route is public, the client is in its network, or the client is trusted. */
  ALLOWED,
  /** The route is private and the client's address maps to no network at all. */
  UNKNOWN_CLIENT,
  /** The route is private and the client is in other networks only. */
  OTHER_NETWORK;

  public boolean allowed() {
    return this == ALLOWED;
  }

  /** The {@code reason} label of {@code flycast_proxy_refused_total}. */
  public String reason() {
    return name().toLowerCase(Locale.ROOT);
  }
}
