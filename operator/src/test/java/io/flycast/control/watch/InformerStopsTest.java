package io.flycast.control.watch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * An informer that stops on an object it cannot read does not end the process; other stops still
 * do.
 */
class InformerStopsTest {
  static SharedIndexInformer<?> informer(boolean synced) {
    return (SharedIndexInformer<?>)
        Proxy.newProxyInstance(
            InformerStopsTest.class.getClassLoader(),
            new Class<?>[] {SharedIndexInformer.class},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "hasSynced" -> synced;
                  case "toString" -> "fly.io/v1alpha1/exposedservices";
                  default -> null;
                });
  }

  @Test
  void anUnreadableObjectStopsOnlyItsWatchAnythingElseEndsTheProcessAsBefore() {
    AtomicInteger exits = new AtomicInteger();
    InformerStops stops = new InformerStops(exits::incrementAndGet);
    var unreadable =
        new WatcherException(
            "Unexpected exception processing watch event",
            new IllegalArgumentException(
                new InvalidFormatException(null, "not one of", "htttp", Enum.class)));

    stops.onStop(informer(true), unreadable);
    stops.onStop(informer(true), null);
    stops.onStop(informer(false), new WatcherException("403"));
    assertThat(exits).hasValue(0);

    stops.onStop(informer(true), new WatcherException("403"));
    assertThat(exits).hasValue(1);
  }
}
