package io.flycast.proxy.http;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where a {@link ProxyExchange} is. The request body ({@link RequestBodyPump}) flows alongside
 * these states: it may still stream to the backend while the exchange awaits or relays the
 * response, so it is not a state of its own.
 *
 * <pre>
 * READING_REQUEST ──► DIALING ◄──────────────┬──────────────┐
 *                        │                    │ retry        │ replay / fall back
 *                        ▼                    │              │
 *                 AWAITING_RESPONSE ──────────┘──► REPLAYING ┘
 *                        │
 *                        ├──► RELAYING
 *                        └──► UPGRADING
 * every state but DONE ──► DONE
 * </pre>
 */
enum ExchangeState {
  /**
   * The head is in; a small body is being read whole, or the request waits for another's miss of
   * its URL ({@link CollapsedWait}), before any backend is dialed.
   */
  READING_REQUEST,
  /** Choosing and connecting to a backend (again, after a retry, a replay or a fallback). */
  DIALING,
  /** The request went (or is going) to the backend; no response head came yet. */
  AWAITING_RESPONSE,
  /** A response asked for a {@code fly-replay}: it is dropped, then the request goes elsewhere. */
  REPLAYING,
  /** The response head was accepted: the response streams to the client. */
  RELAYING,
  /** A 101 Switching Protocols: the connection is becoming a raw relay. */
  UPGRADING,
  /** Over: answered, failed, or the client went away. Nothing happens after it. */
  DONE;

  private Set<ExchangeState> next() {
    return switch (this) {
      case READING_REQUEST -> EnumSet.of(DIALING, DONE);
      // Re-dialing while dialing: the preferred backends were out, or a replay fell back.
      case DIALING -> EnumSet.of(DIALING, AWAITING_RESPONSE, DONE);
      case AWAITING_RESPONSE -> EnumSet.of(DIALING, REPLAYING, RELAYING, UPGRADING, DONE);
      case REPLAYING -> EnumSet.of(DIALING, DONE);
      case RELAYING, UPGRADING -> EnumSet.of(DONE);
      case DONE -> EnumSet.noneOf(ExchangeState.class);
    };
  }

  /** Whether the exchange may go from this state to {@code target}. */
  boolean mayGoTo(ExchangeState target) {
    return next().contains(target);
  }

  /**
   * The state after moving to {@code target}.
   *
   * @throws IllegalStateException when the move is not one the exchange makes: a bug, not a network
   *     event, so it is not swallowed
   */
  ExchangeState to(ExchangeState target) {
    if (!mayGoTo(target)) {
      throw new IllegalStateException("exchange cannot go from " + this + " to " + target);
    }
    return target;
  }

  /** Whether the response head went (or is going) to the client. */
  boolean responseStarted() {
    return this == RELAYING || this == UPGRADING;
  }
}
