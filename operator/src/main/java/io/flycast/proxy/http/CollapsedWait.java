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
 * the backend. Says when; the exchange decides what.
 *
 * <p>Event-loop confined, like the exchange that owns it. The flight lands on the leader's event
 * loop, so the wake-up is handed to this request's own before it touches anything.
 */
final class CollapsedWait {
  private final EventExecutor loop;
  private final Runnable onWoken;

  /** Set while waiting; null before, once woken, and once cancelled. */
  private ScheduledFuture<?> timer;

  /**
   * @param loop the event loop of the waiting request
   * @param onWoken runs on {@code loop}, at most once, when the wait is over
   */
  CollapsedWait(EventExecutor loop, Runnable onWoken) {
    this.loop = loop;
    this.onWoken = onWoken;
  }

  /**
   * Waits for {@code flight}. False when there is nothing to wait for (no flight, it landed
   * already, or it has all the waiters it takes): the request goes on at once, and {@code onWoken}
   * never runs.
   */
  boolean await(MissFlights.Flight flight) {
    if (flight == null || !flight.await(() -> loop.execute(this::woken))) {
      return false;
    }
    // Still on the loop: a landing meanwhile queued its wake-up behind this, so the timer is set.
    timer = loop.schedule(this::woken, MissFlights.WAIT_MS, MILLISECONDS);
    return true;
  }

  /** Whether the request is waiting now. */
  boolean waiting() {
    return timer != null;
  }

  /** The exchange ended while waiting (its client went away): nothing wakes it after this. */
  void cancel() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  /** The flight landed or the timer fired: the first of the two counts, the other finds nothing. */
  private void woken() {
    if (timer == null) {
      return;
    }
    cancel();
    onWoken.run();
  }
}
