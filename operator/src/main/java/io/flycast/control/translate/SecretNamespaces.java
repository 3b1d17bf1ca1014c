package io.flycast.control.translate;

import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where the operator reads TLS Secrets ({@code --secret-namespaces}): every namespace, or only the
 * listed ones. Listing them lets the chart grant Secrets per namespace instead of cluster-wide; the
 * price is that a route elsewhere cannot terminate TLS, which {@link #notWatched} says.
 *
 * @param names the namespaces watched; empty means every namespace
 */
public record SecretNamespaces(Set<String> names) {
  /** Every namespace: one cluster-wide watch, as without the flag. */
  public static final SecretNamespaces ALL = new SecretNamespaces(Set.of());

  public SecretNamespaces {
    names = java.util.Collections.unmodifiableSet(new TreeSet<>(names));
  }

  /** A comma-separated list (blanks ignored); empty or null is {@link #ALL}. */
  public static SecretNamespaces parse(String csv) {
    if (csv == null) {
      return ALL;
    }
    Set<String> names = new TreeSet<>();
    for (String n :
        Arrays.stream(csv.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList()) {
      if (!n.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
        throw new IllegalArgumentException(
            "--secret-namespaces: '" + n + "' is not a namespace name (a DNS label)");
      }
      names.add(n);
    }
    return new SecretNamespaces(names);
  }

  public boolean isAll() {
    return names.isEmpty();
  }

  public boolean watches(String namespace) {
    return isAll() || names.contains(namespace);
  }

  /**
   * Why a TLS Secret of a namespace that is not watched yields no certificate, and what to set: a
   * route there can only terminate TLS once its namespace is listed.
   */
  public String notWatched(String namespace, String secretName) {
    return "TLS Secret '"
        + namespace
        + "/"
        + secretName
        + "' cannot be read: Flycast reads TLS Secrets only in the "
        + "namespaces "
        + String.join(", ", names)
        + "; add "
        + namespace
        + " to the chart value tls.secretNamespaces "
        + "(operator flag --secret-namespaces)";
  }

  @Override
  public String toString() {
    return isAll() ? "every namespace" : String.join(",", names);
  }
}
