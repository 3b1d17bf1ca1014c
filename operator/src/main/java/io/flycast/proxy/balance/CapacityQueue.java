package io.flycast.proxy.balance;

import io.flycast.catalog.Backend;
import io.flycast.catalog.RouteKey;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Work waiting for a backend slot because every backend of its route is at its hard limit, as Fly's
 * proxy queues rather than refuses at once. Each freed slot wakes the longest waiter of its route;
 * a waiter that then loses the slot to a newcomer goes back to the front.
 *
 * <p>Any thread may free a slot; a waiter is woken by {@link Waiter#wake()}, which must only hand
 * off to the waiter's own event loop. Nothing here locks. The cost when nothing waits, which is
 * almost always, is one read of a counter per released lease.
 */
public final class CapacityQueue {
  /** One piece of work waiting. */
  public interface Waiter {
    /** A slot may be free: try again. Called on any thread; must not block. */
    void wake();

    /**
     * Whether a slot of {@code backend} is of use to this work (it may be bound to one instance, or
     * have tried that backend already). Called on any thread; must not block.
     */
    default boolean accepts(Backend backend) {
      return true;
    }
  }

  /** One route's waiters, oldest first, and how many they are (a deque's size() is O(n)). */
  private static final class RouteQueue {
    final ConcurrentLinkedDeque<Waiter> waiters = new ConcurrentLinkedDeque<>();
    final AtomicInteger size = new AtomicInteger();
  }

  private final int maxPerRoute;
  private final ConcurrentHashMap<RouteKey, RouteQueue> byRoute = new ConcurrentHashMap<>();
  private final AtomicInteger total = new AtomicInteger();

  public CapacityQueue(int maxPerRoute) {
    this.maxPerRoute = maxPerRoute;
  }

  /**
   * Adds a waiter, at the front when it was already woken once (it keeps its turn).
   *
   * @return false when the route's queue is full: refuse the work now
   */
  public boolean add(RouteKey route, Waiter w, boolean front) {
    RouteQueue q = byRoute.computeIfAbsent(route, k -> new RouteQueue());
    if (q.size.incrementAndGet() > maxPerRoute) {
      q.size.decrementAndGet();
      return false;
    }
    total.incrementAndGet();
    if (front) {
      q.waiters.addFirst(w);
    } else {
      q.waiters.addLast(w);
    }
    return true;
  }

  /** Takes a waiter out (it gave up); false when it was no longer there (a wake is on its way). */
  public boolean remove(RouteKey route, Waiter w) {
    RouteQueue q = byRoute.get(route);
    return q != null && take(q, w);
  }

  /**
   * A lease of {@code backend} was released: the longest waiter that can use that backend may have
   * the slot (one bound to another instance would only lose it and starve the rest).
   */
  public void slotFreed(RouteKey route, Backend backend) {
    RouteQueue q = total.get() == 0 ? null : byRoute.get(route);
    if (q == null) {
      return;
    }
    for (Waiter w : q.waiters) {
      if ((backend == null || w.accepts(backend)) && take(q, w)) {
        w.wake();
        return;
      }
    }
  }

  /** The route's backends changed (more, or healthier): every waiter should look again. */
  public void wakeAll(RouteKey route) {
    RouteQueue q = total.get() == 0 ? null : byRoute.get(route);
    Waiter w;
    while (q != null && (w = q.waiters.pollFirst()) != null) {
      // Polled: this caller alone took it out, so it counts the departure (as take() does).
      q.size.decrementAndGet();
      total.decrementAndGet();
      w.wake();
    }
  }

  /** Waiting now, all routes. */
  public int size() {
    return total.get();
  }

  /** Removes {@code w} if still there; only one caller wins, and it counts the departure. */
  private boolean take(RouteQueue q, Waiter w) {
    if (!q.waiters.removeFirstOccurrence(w)) {
      return false;
    }
    q.size.decrementAndGet();
    total.decrementAndGet();
    return true;
  }
}
