package io.flycast.api;

import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** What a {@link FlycastIP} records: the address and who holds it. */
public class FlycastIPSpec {
  @Required
  @Size(max = Limits.IP_ADDRESS)
  public String address;

  @Required public Owner owner;

  /** The object holding the address. */
  public static class Owner {
    /** {@code Service} or {@code ExposedService}. */
    @Required
    @Size(max = Limits.DNS_LABEL)
    public String kind;

    @Required
    @Size(max = Limits.DNS_LABEL)
    public String namespace;

    @Required
    @Size(max = Limits.OBJECT_NAME)
    public String name;

    /** The holder's UID, so a re-created object of the same name is not mistaken for it. */
    @Size(max = Limits.UID)
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
