package io.flycast.control.watch;

import static org.assertj.core.api.Assertions.assertThat;

import io.flycast.catalog.Backend;
import io.flycast.catalog.RouteKey;
import io.flycast.proxy.TestRoutes;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A pod that passed its own probe is routed as ready until its EndpointSlice catches up. */
class EarlyReadyPodsTest {
  static final RouteKey ROUTE = new RouteKey("shop", "web");

  static Backend pod(String name, boolean ready, boolean terminating) {
    return new Backend(
        name, TestRoutes.ip("10.0.0.7"), "zone-a", ready, ready, terminating, Map.of("http", 8080));
  }

  @Test
  void aPodTheSliceListsNotReadyIsReadyOnceItPassedKeepingTheSlicesZoneAndPorts() {
    EarlyReadyPods early = new EarlyReadyPods();
    early.passed(ROUTE, new Backend("web-1", TestRoutes.ip("10.0.0.7"), null, true, true, false));
    List<Backend> routed = early.merge(ROUTE, List.of(pod("web-1", false, false)));
    assertThat(routed)
        .singleElement()
        .satisfies(
            b -> {
              assertThat(b.acceptsNewWork()).isTrue();
              assertThat(b.zone()).isEqualTo("zone-a");
              assertThat(b.ports()).containsEntry("http", 8080);
            });
  }

  @Test
  void aPodNoSliceListsYetIsAddedAndOthersAreLeftAsTheSlicesSay() {
    EarlyReadyPods early = new EarlyReadyPods();
    early.passed(ROUTE, new Backend("web-2", TestRoutes.ip("10.0.0.8"), null, true, true, false));
    List<Backend> routed = early.merge(ROUTE, List.of(pod("web-1", false, false)));
    assertThat(routed).extracting(Backend::name).containsExactly("web-1", "web-2");
    assertThat(routed.get(0).acceptsNewWork()).as("nothing else is made ready").isFalse();
    assertThat(routed.get(1).acceptsNewWork()).isTrue();
  }

  @Test
  void aPodNoSliceListsYetIsRoutedInTheZoneItCameWithElseTheDefaultOne() {
    EarlyReadyPods early = new EarlyReadyPods();
    early.passed(ROUTE, new Backend("web-2", TestRoutes.ip("10.0.0.8"), "ams", true, true, false));
    early.passed(ROUTE, new Backend("web-3", TestRoutes.ip("10.0.0.9"), null, true, true, false));
    assertThat(early.merge(ROUTE, List.of()))
        .extracting(Backend::zone)
        .containsExactly("ams", io.flycast.control.translate.EndpointSliceTranslator.DEFAULT_ZONE);
  }

  @Test
  void onceTheSliceShowsThePodTerminatingTheSliceAloneDecides() {
    EarlyReadyPods early = new EarlyReadyPods();
    early.passed(ROUTE, new Backend("web-1", TestRoutes.ip("10.0.0.7"), null, true, true, false));
    early.merge(ROUTE, List.of(pod("web-1", false, true)));
    // Forgotten: a later slice that lists it unready again is believed.
    assertThat(early.merge(ROUTE, List.of(pod("web-1", false, false))))
        .singleElement()
        .matches(b -> !b.acceptsNewWork());
  }

  @Test
  void aForgottenPodIsRoutedAsItsSliceSays() {
    EarlyReadyPods early = new EarlyReadyPods();
    early.passed(ROUTE, new Backend("web-1", TestRoutes.ip("10.0.0.7"), null, true, true, false));
    early.forget(ROUTE, "web-1");
    assertThat(early.merge(ROUTE, List.of())).isEmpty();
  }
}
