package io.flycast.proxy.http;

import static java.util.concurrent.TimeUnit.MILLISECONDS;

import io.flycast.proxy.cache.MissFlights;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * One request waiting for another's miss of its URL ({@link MissFlights}, nginx's {@code
 * proxy_cache_lock}) instead of asking the backend itself. It is woken once: by the flight landing
 * (the leader's response stored, or known not to be) or by its own timer of {@link
 * MissFlights#WAIT_MS}, whichever comes first; the exchange then answers from the cache or goes to
 * the backend. Says when; the exchange decides what. A wait that ends before the landing (its
 * timer, or {@link #cancel}) takes itself off the flight, so the waiting gauge counts only real
 * waiters.
 *
 * <p>Only made for a request that follows a flight ({@link #await}): the others, most requests of a
 * caching route, pay nothing for it.
 *
 * <p>Event-loop confined, like the exchange that owns it. The flight lands on the leader's event
 * loop, so the wake-up is handed to this request's own before it touches anything.
 */
final class CollapsedWait {
  private final MissFlights.Flight flight;
  private final Runnable onWoken;

  /** What the flight runs when it lands; the same object takes this wait off it ({@link #stop}). */
  private final Runnable wake;

  /** Set while waiting; null before, once woken, and once cancelled. */
  private ScheduledFuture<?> timer;

  private CollapsedWait(EventExecutor loop, MissFlights.Flight flight, Runnable onWoken) {
    this.flight = flight;
    this.onWoken = onWoken;
    this.wake = () -> loop.execute(this::woken);
  }

  /**
   * Waits for {@code flight} on {@code loop}: {@code onWoken} runs there, at most once, when the
   * wait is over. Null when there is nothing to wait for (the flight landed already, or it has all
   * the waiters it takes): the request goes on at once, and {@code onWoken} never runs.
   */
  static CollapsedWait await(EventExecutor loop, MissFlights.Flight flight, Runnable onWoken) {
    CollapsedWait w = new CollapsedWait(loop, flight, onWoken);
    if (!flight.await(w.wake)) {
      return null;
    }
    // Still on the loop: a landing meanwhile queued its wake-up behind this, so the timer is set.
    w.timer = loop.schedule(w::woken, MissFlights.WAIT_MS, MILLISECONDS);
    return w;
  }

  /** Whether the request is waiting now. */
  boolean waiting() {
    return timer != null;
  }

  /** The exchange ended while waiting (its client went away): nothing wakes it after this. */
  void cancel() {
    if (timer != null) {
      stop();
    }
  }

  /** The wait is over: no timer, and off the flight unless its landing took it off already. */
  private void stop() {
    timer.cancel(false);
    timer = null;
    flight.leave(wake);
  }

  /** The flight landed or the timer fired: the first of the two counts, the other finds nothing. */
  private void woken() {
    if (timer == null) {
      return;
    }
    stop();
    onWoken.run();
  }
}
