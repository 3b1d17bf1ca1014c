package io.flycast.allocation;

/**
 * Why an address could not be allocated: a closed set, each mapped to a status condition reason.
 */
public final class AllocationException extends Exception {
  /** The reasons, as the ClusterIP allocator's errors. */
  public enum Reason {
    /** Every address of the range is taken. */
    RANGE_FULL("AddressRangeFull"),
    /** The requested address belongs to someone else. */
    ALREADY_ALLOCATED("RequestedAddressTaken"),
    /** The requested address is not in the configured prefix, or not an IPv6 address. */
    NOT_IN_RANGE("RequestedAddressOutOfRange"),
    /** The API could not be reached or refused the write; retried. */
    NOT_READY("AllocatorNotReady");

    private final String conditionReason;

    Reason(String conditionReason) {
      this.conditionReason = conditionReason;
    }

    /** The CamelCase reason used in status conditions and Events. */
    public String conditionReason() {
      return conditionReason;
    }
  }

  private final Reason reason;

  public AllocationException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public AllocationException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
