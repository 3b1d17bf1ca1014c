package io.flycast.allocation;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.flycast.allocation.AllocationException.Reason;
import io.flycast.api.FlycastIP;
import io.flycast.api.FlycastIPSpec;
import io.flycast.informer.Informers;
import io.flycast.informer.Trim;
import io.flycast.informer.TrimmedItemStore;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Allocates Flycast addresses, using {@link FlycastIP} objects as the source of truth and lock.
 *
 * <p>An informer keeps a local view of the taken addresses, so a free candidate is usually found
 * without a round trip; the create is what decides (HTTP 409 = lost a race, try the next). The view
 * may lag; it only makes a create fail, never makes two owners share an address.
 */
public final class FlycastAddressPool {
  private static final Logger log = LoggerFactory.getLogger(FlycastAddressPool.class);
  private static final String OWNER_INDEX = "owner";

  /** Creates tried per allocateNext before giving up for now (only lost races consume them). */
  private static final int MAX_CREATE_ATTEMPTS = 32;

  /** Ranges up to this size are scanned exhaustively; larger ones are probed at random. */
  private static final long SCAN_LIMIT = 1 << 16;

  private final KubernetesClient client;
  private final AddressRange range;
  private final SharedIndexInformer<FlycastIP> informer;

  public FlycastAddressPool(KubernetesClient client, AddressRange range) {
    this.client = client;
    this.range = range;
    // One object per allocated address: paged, and without managed fields (see
    // io.flycast.informer).
    this.informer =
        client
            .resources(FlycastIP.class)
            .withLimit(Informers.LIST_LIMIT)
            .runnableInformer(0)
            .itemStore(new TrimmedItemStore<>(Trim::metadata));
    informer.addIndexers(
        Map.of(OWNER_INDEX, ip -> List.of(AddressOwner.of(ip.getSpec().owner).key())));
    informer.run();
  }

  public AddressRange range() {
    return range;
  }

  /** Object name for an address: colons are not allowed in names, dashes are. */
  public static String objectName(InetAddress address) {
    return canonical(address).replace(':', '-');
  }

  /** RFC 5952 text of an address. */
  public static String canonical(InetAddress address) {
    return new inet.ipaddr.IPAddressString(address.getHostAddress())
        .getAddress()
        .toCanonicalString();
  }

  /** Whether the address is held by anyone, per the local view. */
  public boolean has(InetAddress address) {
    return informer.getStore().getByKey(objectName(address)) != null;
  }

  /** Whether the local view shows this owner holding this address (no API call). */
  public boolean holds(InetAddress address, AddressOwner owner) {
    FlycastIP ip = informer.getStore().getByKey(objectName(address));
    return ip != null && AddressOwner.of(ip.getSpec().owner).sameAs(owner);
  }

  /** The address this owner holds, per the local view. */
  public Optional<InetAddress> heldBy(AddressOwner owner) {
    return informer.getIndexer().byIndex(OWNER_INDEX, owner.key()).stream()
        .filter(ip -> AddressOwner.of(ip.getSpec().owner).sameAs(owner))
        .map(ip -> parseAddress(ip.getSpec().address))
        .findFirst();
  }

  /** The owner of an address, asking the API (not the cache), or empty when it is free. */
  public Optional<AddressOwner> ownerOf(InetAddress address) {
    FlycastIP ip = client.resources(FlycastIP.class).withName(objectName(address)).get();
    return ip == null ? Optional.empty() : Optional.of(AddressOwner.of(ip.getSpec().owner));
  }

  /** Visits every allocated address in the local view. */
  public void forEach(Consumer<FlycastIP> visitor) {
    informer.getStore().list().forEach(visitor);
  }

  /**
   * Claims a specific address for an owner. Succeeds when the owner already holds it.
   *
   * @throws AllocationException NOT_IN_RANGE, ALREADY_ALLOCATED or NOT_READY
   */
  public void allocate(InetAddress address, AddressOwner owner) throws AllocationException {
    if (!(address instanceof Inet6Address) || !range.contains(address)) {
      throw new AllocationException(
          Reason.NOT_IN_RANGE,
          "address "
              + canonical(address)
              + " is outside the Flycast range "
              + range
              + "; request an address inside it, or none to get one allocated");
    }
    if (!tryCreate(address, owner)) {
      Optional<AddressOwner> holder = ownerOf(address);
      if (holder.isPresent() && holder.get().sameAs(owner)) {
        return;
      }
      throw new AllocationException(
          Reason.ALREADY_ALLOCATED,
          "address "
              + canonical(address)
              + " is already allocated to "
              + holder.map(AddressOwner::key).orElse("another object")
              + "; request another address, or none");
    }
  }

  /**
   * Allocates a free address, starting at a random offset and wrapping.
   *
   * @throws AllocationException RANGE_FULL when no address is free, NOT_READY on API errors
   */
  public InetAddress allocateNext(AddressOwner owner) throws AllocationException {
    long size = range.size();
    if (informer.getStore().list().size() >= size) {
      throw new AllocationException(
          Reason.RANGE_FULL, "all " + size + " addresses of " + range + " are allocated");
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long start = 1 + random.nextLong(size);
    int attempts = 0;
    long probes = size <= SCAN_LIMIT ? size : 4L * MAX_CREATE_ATTEMPTS;
    for (long i = 0; i < probes && attempts < MAX_CREATE_ATTEMPTS; i++) {
      long offset = size <= SCAN_LIMIT ? 1 + (start - 1 + i) % size : 1 + random.nextLong(size);
      InetAddress candidate = range.at(offset);
      if (has(candidate)) {
        continue;
      }
      attempts++;
      if (tryCreate(candidate, owner)) {
        return candidate;
      }
    }
    if (size <= SCAN_LIMIT && attempts == 0) {
      throw new AllocationException(
          Reason.RANGE_FULL, "all " + size + " addresses of " + range + " are allocated");
    }
    throw new AllocationException(
        Reason.NOT_READY,
        "no free address found after " + attempts + " attempts in " + range + "; will retry");
  }

  /** Deletes tried when the object changes between our read and our delete. */
  static final int MAX_RELEASE_ATTEMPTS = 5;

  /**
   * Releases an address if this owner holds it. Releasing an address held by someone else, or by no
   * one, is a no-op.
   *
   * <p>The delete names the version read, so an address that changed hands in between is left to
   * its new owner. A 409 only says the object changed: it is read again and the owner checked
   * again, a bounded number of times, instead of failing the caller's reconcile.
   */
  public void release(InetAddress address, AddressOwner owner) {
    var res = client.resources(FlycastIP.class).withName(objectName(address));
    for (int attempt = 1; ; attempt++) {
      FlycastIP ip = res.get();
      if (ip == null || !AddressOwner.of(ip.getSpec().owner).sameAs(owner)) {
        return;
      }
      try {
        client.resources(FlycastIP.class).resource(ip).lockResourceVersion().delete();
        log.info("released {} from {}", canonical(address), owner.key());
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) {
          return; // deleted meanwhile: released either way
        }
        if (e.getCode() != 409 || attempt == MAX_RELEASE_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  /**
   * Releases an address the repair pass found leaked, deleting the version it saw in the cache: one
   * round trip instead of a read and a delete, which matters when a split brain leaves hundreds
   * behind. A changed object (409) is decided again by {@link #release}; a gone one (404) is
   * released already.
   */
  public void releaseLeaked(FlycastIP cached) {
    try {
      client.resources(FlycastIP.class).resource(cached).lockResourceVersion().delete();
      log.debug(
          "released leaked {} from {}",
          cached.getSpec().address,
          AddressOwner.of(cached.getSpec().owner).key());
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        release(parseAddress(cached.getSpec().address), AddressOwner.of(cached.getSpec().owner));
      } else if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  public void close() {
    informer.close();
  }

  /** Creates the FlycastIP object. true = created; false = the name exists (someone holds it). */
  private boolean tryCreate(InetAddress address, AddressOwner owner) throws AllocationException {
    FlycastIP ip = new FlycastIP();
    ip.setMetadata(
        new ObjectMetaBuilder()
            .withName(objectName(address))
            .addToLabels("fly.io/owner-kind", owner.kind())
            .addToLabels("fly.io/owner-namespace", owner.namespace())
            .build());
    FlycastIPSpec spec = new FlycastIPSpec();
    spec.address = canonical(address);
    spec.owner = owner.toSpec();
    ip.setSpec(spec);
    try {
      client.resources(FlycastIP.class).resource(ip).create();
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        // Ours after all when the client retried a create that had reached the server (a timeout
        // on the first try): treating that as lost would leave the address held by no one.
        FlycastIP existing =
            client.resources(FlycastIP.class).withName(ip.getMetadata().getName()).get();
        return existing != null && AddressOwner.of(existing.getSpec().owner).sameAs(owner);
      }
      // No candidate address in the message: it is random, and the message ends up in a condition.
      throw new AllocationException(
          Reason.NOT_READY, "cannot create FlycastIP objects: " + e.getMessage(), e);
    }
  }

  /** Parses an address literal (no DNS). */
  public static InetAddress parseAddress(String text) {
    var a = new inet.ipaddr.IPAddressString(text).getAddress();
    if (a == null) {
      throw new IllegalArgumentException("not an IP address: " + text);
    }
    return a.toInetAddress();
  }
}
