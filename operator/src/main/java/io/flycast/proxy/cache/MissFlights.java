package io.flycast.proxy.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Collapsed misses (nginx's {@code proxy_cache_lock}): the first cacheable miss of a URL goes to
 * the backend as the leader of a {@link Flight}, and the identical requests that come meanwhile
 * wait for it instead of each asking the backend. When the leader's response is stored, or turns
 * out not to be (uncacheable, too large, failed, its client gone), the flight lands and every
 * waiter looks the cache up again: a hit, or its own way to the backend.
 *
 * <p>Bounded: at most {@link #MAX_FLIGHTS} URLs in the air per route and {@link #MAX_WAITERS}
 * waiters a URL (beyond, requests go to the backend as before); a waiter waits at most {@link
 * #WAIT_MS} (its own timer, {@code proxy.http.CollapsedWait}), and a flight older than that is
 * taken over by the next miss, so a leader that never lands holds nobody for longer.
 */
public final class MissFlights {
  /** How long a request waits for another's miss, as nginx's proxy_cache_lock_timeout (5 s). */
  public static final long WAIT_MS = 5_000;

  static final int MAX_WAITERS = 1_000;
  static final int MAX_FLIGHTS = 10_000;

  private final ConcurrentMap<String, Flight> byKey = new ConcurrentHashMap<>();
  private final AtomicInteger waiting = new AtomicInteger();

  /** One miss on its way to the backend, and the requests waiting for its response. */
  public final class Flight {
    private final String key;
    private final long startedNanos = System.nanoTime();
    private final List<Runnable> waiters = new ArrayList<>();
    private boolean landed;

    private Flight(String key) {
      this.key = key;
    }

    /**
     * Waits for this flight: {@code wake} runs (on the thread that lands it; it must hand itself to
     * its own event loop) when it lands. False when it landed already or has all the waiters it
     * takes: then the request goes on at once.
     */
    public boolean await(Runnable wake) {
      synchronized (this) {
        if (landed || waiters.size() >= MAX_WAITERS) {
          return false;
        }
        waiters.add(wake);
      }
      waiting.incrementAndGet();
      return true;
    }

    /**
     * A waiter that stops waiting before the landing (its own timer fired, its client went away)
     * takes itself off, {@code wake} being what it gave {@link #await}: the gauge counts only
     * requests still waiting, and the landing does not wake it. False when the landing took it off
     * already.
     */
    public boolean leave(Runnable wake) {
      synchronized (this) {
        if (!waiters.remove(wake)) {
          return false;
        }
      }
      waiting.decrementAndGet();
      return true;
    }

    /** The leader's response is stored, or will not be: wakes every waiter. Idempotent. */
    void land() {
      byKey.remove(key, this);
      List<Runnable> woken;
      synchronized (this) {
        if (landed) {
          return;
        }
        landed = true;
        woken = List.copyOf(waiters);
        waiters.clear();
      }
      waiting.addAndGet(-woken.size());
      woken.forEach(Runnable::run);
    }

    private boolean overdue(long nowNanos) {
      return nowNanos - startedNanos > WAIT_MS * 1_000_000L;
    }
  }

  /**
   * The flight {@code key}'s miss leads, when none is in the air (or the one there is overdue),
   * else null; null too when the route has {@link #MAX_FLIGHTS} in the air.
   */
  public Flight lead(String key) {
    long now = System.nanoTime();
    Flight mine = new Flight(key);
    Flight there = byKey.putIfAbsent(key, mine);
    if (there == null) {
      if (byKey.size() > MAX_FLIGHTS) {
        byKey.remove(key, mine);
        return null;
      }
      return mine;
    }
    if (there.overdue(now) && byKey.replace(key, there, mine)) {
      there.land(); // its waiters time out about now anyway: let them go
      return mine;
    }
    return null;
  }

  /** The flight in the air for {@code key}, or null. */
  public Flight inAir(String key) {
    return byKey.get(key);
  }

  /** Requests waiting for another's miss now (the flycast_cache_collapsed_waiting gauge). */
  public int waiting() {
    return waiting.get();
  }
}
