/**
 * One view of load across every replica, so that the replica that decides autostop (the leader)
 * decides with what every replica's proxy is doing, and its cordons reach every proxy.
 *
 * <p>The design: the leader pulls. Once a {@link PeerPoller#PERIOD period} it asks every other
 * replica for its {@link LoadReport} (in-flight work and idle time per backend, requests held for
 * autostart, cold starts) over the admin port's {@code /peer/load}, with a bearer token the
 * replicas share. The same request carries the leader's {@link CordonSet}; a replica applies it to
 * its proxy and says so in its answer, so the leader knows when a cordon has reached everyone.
 * Replicas find each other through a Lease each keeps in the operator's namespace ({@code
 * io.flycast.control.leader.PeerDirectory}); this package knows nothing of Kubernetes.
 *
 * <p>Why pull, and why the leader: only the leader acts on load, so only it needs the numbers; it
 * knows at once whom it has not heard from (the fail-safe rule: never stop what cannot be proven
 * idle); and a replica needs no address of the leader. Cordons ride on the poll, so they need no
 * second channel and expire on a replica that stops being polled ({@link ReplicaLoad}), the safe
 * direction. API writes stay one Lease renewal per replica per 10 s, whatever the request rate. See
 * {@code docs/ha.md} for the costs at 3, 30 and 300 replicas and the failure modes.
 */
package io.flycast.peers;
