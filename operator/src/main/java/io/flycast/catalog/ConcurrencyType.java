package io.flycast.catalog;

/** What counts towards a backend's concurrency limits (fly.toml {@code concurrency.type}). */
public enum ConcurrencyType {
  /** Open client connections routed to the backend. */
  CONNECTIONS,
  /** In-flight HTTP requests routed to the backend. */
  REQUESTS
}
