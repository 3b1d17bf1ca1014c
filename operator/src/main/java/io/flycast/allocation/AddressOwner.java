package io.flycast.allocation;

import io.flycast.api.FlycastIPSpec;

/** The object holding an address: kind, namespace, name and UID. */
public record AddressOwner(String kind, String namespace, String name, String uid) {

  /** A stable key for indexing, ignoring the UID. */
  public String key() {
    return kind + "/" + namespace + "/" + name;
  }

  FlycastIPSpec.Owner toSpec() {
    return new FlycastIPSpec.Owner(kind, namespace, name, uid);
  }

  static AddressOwner of(FlycastIPSpec.Owner o) {
    return new AddressOwner(o.kind, o.namespace, o.name, o.uid);
  }

  /** Same object: same key, and the same UID when both know it. */
  boolean sameAs(AddressOwner other) {
    return key().equals(other.key()) && (uid == null || other.uid == null || uid.equals(other.uid));
  }
}
