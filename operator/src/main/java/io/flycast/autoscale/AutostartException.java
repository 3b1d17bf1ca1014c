package io.flycast.autoscale;

/** Why a held request could not be given a backend; the proxy answers 503 with this message. */
public final class AutostartException extends RuntimeException {
  /** The closed set of reasons, each with a stable label for metrics. */
  public enum Reason {
    /**
     * Autostart is off (autoStartMachines false, or a target this install may not scale) and
     * nothing runs.
     */
    DISABLED("autostart_disabled"),
    /** The backend did not become ready within the autostart timeout. */
    TIMEOUT("start_timeout"),
    /** Too many requests are already held for this route. */
    TOO_MANY_HELD("too_many_held"),
    /** Scaling the workload failed. */
    SCALE_FAILED("scale_failed");

    private final String label;

    Reason(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  private final Reason reason;

  public AutostartException(Reason reason, String message) {
    super(message, null, false, false); // no stack trace: this is an expected outcome, not a bug
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
