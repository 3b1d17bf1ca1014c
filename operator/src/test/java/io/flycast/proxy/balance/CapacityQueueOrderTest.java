package io.flycast.proxy.balance;

import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.catalog.RouteKey;
import io.flycast.proxy.TestRoutes;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The order and bounds of {@link CapacityQueue}, without sockets. */
class CapacityQueueOrderTest {
  private static final RouteKey WEB = new RouteKey("shop", "web");
  private static final RouteKey API = new RouteKey("shop", "api");
  private final List<String> woken = new ArrayList<>();

  private CapacityQueue.Waiter waiter(String name) {
    return () -> woken.add(name);
  }

  @Test
  void eachFreedSlotWakesTheLongestWaiterOfItsRouteOnly() {
    CapacityQueue q = new CapacityQueue(10);
    q.add(WEB, waiter("first"), false);
    q.add(WEB, waiter("second"), false);
    q.add(API, waiter("api"), false);
    q.slotFreed(WEB, null);
    assertThat(woken).containsExactly("first");
    q.slotFreed(WEB, null);
    q.slotFreed(WEB, null); // nobody left on web: nothing happens
    assertThat(woken).containsExactly("first", "second");
    assertThat(q.size()).isEqualTo(1);
  }

  @Test
  void aWaiterThatLostItsSlotKeepsItsTurn() {
    CapacityQueue q = new CapacityQueue(10);
    q.add(WEB, waiter("early"), false);
    q.add(WEB, waiter("late"), false);
    q.slotFreed(WEB, null);
    q.add(WEB, waiter("early"), true); // woken, but a newcomer took the slot
    q.slotFreed(WEB, null);
    assertThat(woken).containsExactly("early", "early");
  }

  @Test
  void boundedPerRouteAndGivingUpFreesTheSpace() {
    CapacityQueue q = new CapacityQueue(2);
    CapacityQueue.Waiter a = waiter("a");
    assertThat(q.add(WEB, a, false)).isTrue();
    assertThat(q.add(WEB, waiter("b"), false)).isTrue();
    assertThat(q.add(WEB, waiter("c"), false)).isFalse();
    assertThat(q.add(API, waiter("other route"), false)).isTrue();
    assertThat(q.remove(WEB, a)).isTrue();
    assertThat(q.remove(WEB, a)).as("already gone").isFalse();
    assertThat(q.add(WEB, waiter("c"), false)).isTrue();
  }

  @Test
  void backendChangesWakeEveryWaiterOfTheRoute() {
    CapacityQueue q = new CapacityQueue(10);
    q.add(WEB, waiter("a"), false);
    q.add(WEB, waiter("b"), false);
    q.add(API, waiter("api"), false);
    q.wakeAll(WEB);
    assertThat(woken).containsExactly("a", "b");
    assertThat(q.size()).isEqualTo(1);
  }

  @Test
  void aFreedSlotGoesToTheLongestWaiterThatCanUseItsBackend() {
    CapacityQueue q = new CapacityQueue(10);
    q.add(
        WEB,
        new CapacityQueue.Waiter() {
          @Override
          public void wake() {
            woken.add("bound to b2");
          }

          @Override
          public boolean accepts(io.flycast.catalog.Backend b) {
            return b.name().equals("b2");
          }
        },
        false);
    q.add(WEB, waiter("any"), false);
    q.slotFreed(WEB, TestRoutes.backend("b1", "z"));
    assertThat(woken).containsExactly("any");
    q.slotFreed(WEB, TestRoutes.backend("b2", "z"));
    assertThat(woken).containsExactly("any", "bound to b2");
  }
}
