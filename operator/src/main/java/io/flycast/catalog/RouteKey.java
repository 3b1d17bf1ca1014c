package io.flycast.catalog;

import java.util.Objects;

/** Identity of a route: the namespace and name of the object it was made from. */
public record RouteKey(String namespace, String name) implements Comparable<RouteKey> {
  public RouteKey {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
  }

  /** The shared-listener hostname every route answers to: {@code <name>.<namespace>.flycast}. */
  public String flycastHostname() {
    return name + "." + namespace + ".flycast";
  }

  @Override
  public int compareTo(RouteKey o) {
    int c = namespace.compareTo(o.namespace);
    return c != 0 ? c : name.compareTo(o.name);
  }

  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
