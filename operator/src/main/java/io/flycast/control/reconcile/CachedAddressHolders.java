package io.flycast.control.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.flycast.allocation.AddressHolders;
import io.flycast.allocation.AddressOwner;
import io.flycast.api.ExposedService;
import io.flycast.api.FlycastIP;
import io.flycast.catalog.RouteKey;
import io.flycast.control.FlycastAnnotations;
import io.flycast.control.leader.LeaderState;
import io.flycast.control.translate.ManagedServicePolicy;
import io.flycast.control.watch.CatalogSync;
import java.util.function.BiConsumer;

/**
 * Address repair's view of the owners, from the catalog's informer caches: a Service records its
 * address in an annotation, an ExposedService in its status. Repair acts only on the leader, once
 * the caches are synced.
 */
public final class CachedAddressHolders implements AddressHolders {
  private final CatalogSync sync;
  private final LeaderState leader;

  public CachedAddressHolders(CatalogSync sync, LeaderState leader) {
    this.sync = sync;
    this.leader = leader;
  }

  @Override
  public boolean mayRepair() {
    return leader.isLeader() && sync.isReady();
  }

  @Override
  public boolean records(FlycastIP ip) {
    var o = ip.getSpec().owner;
    RouteKey key = new RouteKey(o.namespace, o.name);
    HasMetadata holder;
    String recorded;
    if (ExposedService.KIND.equals(o.kind)) {
      ExposedService es = sync.exposedService(key);
      holder = es;
      recorded = es == null || es.getStatus() == null ? null : es.getStatus().address;
    } else {
      Service svc = sync.service(key);
      holder = svc;
      var ann = svc == null ? null : svc.getMetadata().getAnnotations();
      recorded = ann == null ? null : ann.get(FlycastAnnotations.FLYCAST_IP);
      if (svc != null && !sync.policy().isManaged(svc)) {
        return false;
      }
    }
    if (holder == null || (o.uid != null && !o.uid.equals(holder.getMetadata().getUid()))) {
      return false;
    }
    // Not recorded yet is normal right after allocation; the sighting count covers that window.
    return ip.getSpec().address.equals(recorded);
  }

  /**
   * Services carry no finalizer, so their deletion is the fast path; an ExposedService's Cleaner
   * releases its own address, and a Service an ExposedService owns holds none of its own.
   */
  @Override
  public void onOwnerDeleted(BiConsumer<String, AddressOwner> deleted) {
    sync.addServiceDeleteListener(
        obj -> {
          var m = obj.getMetadata();
          String address =
              m.getAnnotations() == null
                  ? null
                  : m.getAnnotations().get(FlycastAnnotations.FLYCAST_IP);
          if (address != null && !ManagedServicePolicy.ownedByExposedService((Service) obj)) {
            deleted.accept(
                address,
                new AddressOwner(
                    ServiceReconciler.KIND, m.getNamespace(), m.getName(), m.getUid()));
          }
        });
  }
}
