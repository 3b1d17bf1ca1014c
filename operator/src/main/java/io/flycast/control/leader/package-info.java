/**
 * Who acts: {@link io.flycast.control.leader.LeaderElection} keeps the Lease that makes one replica
 * the leader and publishes it as {@link io.flycast.control.leader.LeaderState}; {@link
 * io.flycast.control.leader.PeerDirectory} keeps each replica's own Lease so the leader can find
 * the others (see io.flycast.peers).
 *
 * <p>Separate because it is about the operator's replicas, not about the objects it routes: it
 * names no other control stage, and the reconcilers and autoscaling ask it before they act.
 */
package io.flycast.control.leader;
