package io.flycast.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CatalogStoreTest {
  static RouteSpec spec(String name, String address, String... hostnames) throws Exception {
    return RouteSpec.builder(new RouteKey("ns", name), InetAddress.getByName(address))
        .hostnames(List.of(hostnames))
        .ports(List.of(PortSpec.tcp(80, 8080)))
        .isPrivate(true)
        .network("ns")
        .build();
  }

  static Backend backend(String name, String ip) throws Exception {
    return new Backend(name, InetAddress.getByName(ip), "local", true, true, false);
  }

  @Test
  void snapshotsAreImmutableAndVersioned() throws Exception {
    CatalogStore store = new CatalogStore();
    Catalog empty = store.current();
    store.putSpec(spec("web", "fdaa::1"));
    Catalog one = store.current();
    assertThat(empty.size()).isZero();
    assertThat(one.size()).isEqualTo(1);
    assertThat(one.version()).isEqualTo(1);
    assertThat(one.routeByAddress(InetAddress.getByName("fdaa::1")).key().name()).isEqualTo("web");
    assertThat(one.routeByHostname("WEB.ns.flycast.")).isNotNull();
    assertThat(one.routeByHostname("web.ns.flycast:8080")).isNotNull();
  }

  @Test
  void specVersionMovesOnlyWhenTheSpecChanges() throws Exception {
    CatalogStore store = new CatalogStore();
    store.putSpec(spec("web", "fdaa::1"));
    long v = store.current().route(new RouteKey("ns", "web")).specVersion();
    store.putSpec(spec("web", "fdaa::1"));
    assertThat(store.current().version()).isEqualTo(v);
    store.putBackends(new RouteKey("ns", "web"), List.of(backend("p1", "127.0.0.2")));
    assertThat(store.current().version()).isEqualTo(v + 1);
    assertThat(store.current().route(new RouteKey("ns", "web")).specVersion()).isEqualTo(v);
    store.putSpec(spec("web", "fdaa::1", "www.example.com"));
    assertThat(store.current().route(new RouteKey("ns", "web")).specVersion()).isEqualTo(v + 2);
    assertThat(store.current().route(new RouteKey("ns", "web")).backends()).hasSize(1);
  }

  @Test
  void backendsSeenBeforeTheSpecAreKept() throws Exception {
    CatalogStore store = new CatalogStore();
    store.putBackends(new RouteKey("ns", "web"), List.of(backend("p1", "127.0.0.2")));
    assertThat(store.current().size()).isZero();
    store.putSpec(spec("web", "fdaa::1"));
    assertThat(store.current().route(new RouteKey("ns", "web")).backends())
        .extracting(Backend::name)
        .containsExactly("p1");
  }

  @Test
  void contestedHostnameGoesToTheFirstClaimantThenToTheNext() throws Exception {
    CatalogStore store = new CatalogStore();
    store.putSpec(spec("a", "fdaa::1", "shop.example.com"));
    store.putSpec(spec("b", "fdaa::2", "shop.example.com"));
    assertThat(store.current().routeByHostname("shop.example.com").key().name()).isEqualTo("a");
    store.remove(new RouteKey("ns", "a"));
    assertThat(store.current().routeByHostname("shop.example.com").key().name()).isEqualTo("b");
    assertThat(store.current().routeByAddress(InetAddress.getByName("fdaa::1"))).isNull();
  }

  @Test
  void changingAddressOrHostnamesReleasesTheOldOnes() throws Exception {
    CatalogStore store = new CatalogStore();
    store.putSpec(spec("a", "fdaa::1", "old.example.com"));
    store.putSpec(spec("a", "fdaa::9", "new.example.com"));
    Catalog c = store.current();
    assertThat(c.routeByAddress(InetAddress.getByName("fdaa::1"))).isNull();
    assertThat(c.routeByAddress(InetAddress.getByName("fdaa::9"))).isNotNull();
    assertThat(c.routeByHostname("old.example.com")).isNull();
    assertThat(c.routeByHostname("new.example.com")).isNotNull();
  }

  @Test
  void listenersHearWhatChanged() throws Exception {
    CatalogStore store = new CatalogStore();
    List<CatalogChange> heard = new ArrayList<>();
    store.addListener(heard::add);
    store.putSpec(spec("a", "fdaa::1"));
    store.putBackends(new RouteKey("ns", "a"), List.of(backend("p", "127.0.0.3")));
    store.remove(new RouteKey("ns", "a"));
    assertThat(heard)
        .extracting(CatalogChange::specsChanged)
        .containsExactly(
            Set.of(new RouteKey("ns", "a")), Set.of(), Set.of(new RouteKey("ns", "a")));
    assertThat(heard.get(1).backendsChanged()).containsExactly(new RouteKey("ns", "a"));
  }
}
