package io.flycast.control.reconcile;

import io.flycast.allocation.AddressOwner;
import io.flycast.allocation.AllocationException;
import io.flycast.allocation.FlycastAddressPool;
import io.flycast.control.translate.EndpointSliceTranslator;
import java.net.InetAddress;
import java.util.Optional;

/**
 * Decides the address an object should hold, allocating or re-claiming as needed. Idempotent: run
 * it on every reconcile. Order of preference: the requested address, the address the object already
 * records, an address the pool already holds for it (a crash between allocating and recording),
 * then a fresh one.
 */
public final class AddressAssigner {
  private final FlycastAddressPool pool;

  public AddressAssigner(FlycastAddressPool pool) {
    this.pool = pool;
  }

  /**
   * The outcome of an assignment.
   *
   * @param address the address to record and route, or null when none could be had
   * @param failure why the desired address could not be had, or null on success
   * @param changedFrom a previous address given up, or null
   */
  public record Assignment(
      InetAddress address, AllocationException failure, InetAddress changedFrom) {
    public boolean ok() {
      return failure == null;
    }
  }

  /**
   * @param current the address the object records now, or null
   * @param requested the address the user asked for (annotation or spec), or null
   */
  public Assignment assign(AddressOwner owner, InetAddress current, String requested) {
    if (requested != null && !requested.isBlank()) {
      return assignRequested(owner, current, requested.trim());
    }
    try {
      if (current != null && pool.holds(current, owner)) {
        return new Assignment(current, null, null); // the steady state: no API call at all
      }
      if (current != null) {
        try {
          pool.allocate(current, owner); // no-op when held; re-claims after a lost FlycastIP
          return new Assignment(current, null, null);
        } catch (AllocationException e) {
          if (e.reason() == AllocationException.Reason.NOT_READY) {
            return new Assignment(current, e, null);
          }
          // Out of the prefix (prefix changed) or taken by someone else: move to a fresh address.
          return new Assignment(fresh(owner), null, current);
        }
      }
      return new Assignment(fresh(owner), null, null);
    } catch (AllocationException e) {
      return new Assignment(current, e, null);
    }
  }

  private InetAddress fresh(AddressOwner owner) throws AllocationException {
    Optional<InetAddress> held = pool.heldBy(owner);
    return held.isPresent() ? held.get() : pool.allocateNext(owner);
  }

  private Assignment assignRequested(AddressOwner owner, InetAddress current, String requested) {
    InetAddress want = EndpointSliceTranslator.literal(requested);
    try {
      if (want == null) {
        throw new AllocationException(
            AllocationException.Reason.NOT_IN_RANGE,
            "requested address '" + requested + "' is not an IP address");
      }
      if (!pool.holds(want, owner)) {
        pool.allocate(want, owner);
      }
      if (current != null && !current.equals(want)) {
        pool.release(current, owner);
        return new Assignment(want, null, current);
      }
      return new Assignment(want, null, null);
    } catch (AllocationException e) {
      // Keep routing on the address it has, if any: a bad request must not lose what works.
      return new Assignment(current, e, null);
    }
  }
}
