package io.flycast.admin;

import java.util.function.BooleanSupplier;

/**
 * Whether this replica should get traffic, and when not, why: {@code /readyz} answers 503 with the
 * reason, which is what an operator reads in the probe's failure event or with curl.
 */
@FunctionalInterface
public interface Readiness {
  /** The generic reason, for a check that does not say which of its conditions failed. */
  String NOT_READY =
      "informers syncing, catalog not built, or the proxy not listening (starting or stopping)";

  /** Null when ready; otherwise why not, in a few words. */
  String whyNotReady();

  /** Ready whenever {@code ready} says so, else {@link #NOT_READY}. */
  static Readiness when(BooleanSupplier ready) {
    return () -> ready.getAsBoolean() ? null : NOT_READY;
  }
}
