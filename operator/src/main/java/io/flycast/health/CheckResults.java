package io.flycast.health;

import java.util.BitSet;

/**
 * The latest result of each check of one backend, and the health they add up to.
 *
 * <p>Thresholds follow Fly: a backend turns unhealthy on the first failed check (after its grace
 * period) and healthy again on the next pass of that check. Waiting for several failures would keep
 * sending requests to a backend already known to fail them; checks run every few seconds, so one
 * flapping check costs at most one interval of skipped traffic. With several checks the backend is
 * healthy only while every check's latest result passed.
 *
 * <p>Written on one thread (the checker's event loop); {@link #healthy()} is a volatile read any
 * thread may make.
 */
final class CheckResults {
  private final BitSet failing = new BitSet();
  private volatile boolean healthy = true;

  /**
   * Records one check's result.
   *
   * @return true when this changed the backend's health
   */
  boolean record(int check, boolean passed) {
    failing.set(check, !passed);
    boolean now = failing.isEmpty();
    boolean changed = now != healthy;
    healthy = now;
    return changed;
  }

  /** Healthy until a check fails; unknown counts as healthy. */
  boolean healthy() {
    return healthy;
  }
}
