package io.flycast.informer;

/** How Flycast's informers list. */
public final class Informers {
  private Informers() {}

  /**
   * Objects per page of an informer's initial list (and of a re-list after a watch expires). A
   * whole-cluster list in one response is held in memory at once before the store trims a single
   * object: 100,000 Pods are gigabytes. Pages of 500 keep that to a few megabytes. The price, on a
   * real API server: a paged list is read from etcd rather than the watch cache.
   */
  public static final long LIST_LIMIT = 500;
}
