package io.flycast.allocation;

import io.flycast.api.FlycastIP;
import java.util.function.BiConsumer;

/**
 * What address repair asks the rest of the operator: whether an address's owner still holds it,
 * read from the informer caches (the source of truth, as the API server's repair loop reads its own
 * storage), and whether this replica may act now. The control plane implements it.
 */
public interface AddressHolders {
  /** Whether repair may act now: this replica leads and the caches are synced. */
  boolean mayRepair();

  /** Whether the owner {@code ip} names exists (same UID) and records this very address. */
  boolean records(FlycastIP ip);

  /**
   * Calls {@code deleted} with the address and the owner of each deleted object that held one and
   * releases it no other way: the fast path, so a deleted Service frees its address at once rather
   * than after the repair passes.
   */
  void onOwnerDeleted(BiConsumer<String, AddressOwner> deleted);
}
