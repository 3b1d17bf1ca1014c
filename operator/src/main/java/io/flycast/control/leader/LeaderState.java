package io.flycast.control.leader;

/**
 * Whether this replica currently holds the leader Lease. Only the leader writes (allocates,
 * annotates, scales); every replica routes.
 */
public final class LeaderState {
  private volatile boolean leader;

  public boolean isLeader() {
    return leader;
  }

  public void set(boolean leader) {
    this.leader = leader;
  }
}
