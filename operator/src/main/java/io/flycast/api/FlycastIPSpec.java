package io.flycast.api;

import io.fabric8.generator.annotation.Required;

/** What a {@link FlycastIP} records: the address and who holds it. */
public class FlycastIPSpec {
  @Required public String address;

  @Required public Owner owner;

  /** The object holding the address. */
  public static class Owner {
    /** {@code Service} or {@code ExposedService}. */
    @Required public String kind;

    @Required public String namespace;
    @Required public String name;

    /** The holder's UID, so a re-created object of the same name is not mistaken for it. */
    public String uid;

    public Owner() {}

    public Owner(String kind, String namespace, String name, String uid) {
      this.kind = kind;
      this.namespace = namespace;
      this.name = name;
      this.uid = uid;
    }
  }
}
