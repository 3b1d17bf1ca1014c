package io.flycast.control.watch;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.flycast.catalog.CatalogChange;
import io.flycast.catalog.CatalogStore;
import io.flycast.catalog.RouteKey;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;

/**
 * Event source that reconciles an object when its route changes in the local catalog, so the leader
 * acknowledges a new route ({@code sync-version}, status) as soon as it is routable, without
 * polling. Also fires on changes the object's own watch cannot see, such as a namespace label that
 * opts its Services in.
 */
public final class CatalogTrigger<P extends HasMetadata> extends AbstractEventSource<Void, P> {
  private final boolean onBackendChanges;

  public CatalogTrigger(
      String name, CatalogStore store, CatalogSync sync, boolean onBackendChanges) {
    super(Void.class, name);
    this.onBackendChanges = onBackendChanges;
    store.addListener(this::onChange);
    sync.addIndirectChangeListener(this::fire);
  }

  /** This source only triggers reconciles; it holds no secondary resources. */
  @Override
  public java.util.Set<Void> getSecondaryResources(P primary) {
    return java.util.Set.of();
  }

  private void onChange(CatalogChange change) {
    change.specsChanged().forEach(this::fire);
    if (onBackendChanges) {
      change.backendsChanged().forEach(this::fire);
    }
  }

  private void fire(RouteKey key) {
    if (isRunning()) {
      getEventHandler().handleEvent(new Event(new ResourceID(key.name(), key.namespace())));
    }
  }
}
