package io.flycast.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real API server estimates the worst-case cost of every {@code x-kubernetes-validations} rule
 * when the CRD is created, assuming that an unbounded list or map fills a whole 3 MiB request and
 * an unbounded string is 3 MiB long; a rule over such data is refused with "estimated rule cost
 * exceeds budget" and {@code kubectl apply -f crds/} fails (kubernetes/kubernetes#120973, #121162).
 * The other tests run against Fabric8's mock server, which estimates nothing, so this checks the
 * generated CRDs in {@code crds/} directly: every list has maxItems, every map maxProperties, every
 * free string maxLength, and each rule's estimated cost stays inside the API server's limits. The
 * estimate is this test's own upper bound of cel-go's (there is no Java port of the API server's
 * estimator), not the API server's number.
 */
class CrdBoundsTest {
  /** apiextensions-apiserver StaticEstimatedCostLimit: one rule, times the times it can run. */
  static final long STATIC_ESTIMATED_COST_LIMIT = 10_000_000L;

  /** apiextensions-apiserver StaticEstimatedCRDCostLimit: all rules of the CRD together. */
  static final long STATIC_ESTIMATED_CRD_COST_LIMIT = 100_000_000L;

  static JSONSchemaProps schema(String file) throws Exception {
    Path crdDir = Path.of(System.getProperty("flycast.crdDir", "../crds"));
    CustomResourceDefinition crd =
        Serialization.unmarshal(
            Files.readString(crdDir.resolve(file)), CustomResourceDefinition.class);
    assertThat(crd.getSpec().getVersions()).hasSize(1);
    return crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();
  }

  @ParameterizedTest
  @ValueSource(strings = {"exposedservices.fly.io-v1.yml", "flycastips.fly.io-v1.yml"})
  void everyListMapAndStringIsBounded(String file) throws Exception {
    List<String> unbounded = new ArrayList<>();
    walk(schema(file), "", unbounded);
    assertThat(unbounded)
        .as(
            "%s: bound these in the Java model (io.fabric8.generator.annotation.Size) and run `make"
                + " manifests`",
            file)
        .isEmpty();
  }

  private static void walk(JSONSchemaProps s, String path, List<String> unbounded) {
    if (s == null) {
      return;
    }
    String at = path.isEmpty() ? "<root>" : path;
    if (s.getType() == null) {
      unbounded.add(at + ": no type (cannot be bounded)");
      return;
    }
    switch (s.getType()) {
      case "array" -> {
        if (s.getMaxItems() == null) {
          unbounded.add(at + ": array without maxItems");
        }
        walk(s.getItems() == null ? null : s.getItems().getSchema(), path + "[]", unbounded);
      }
      case "string" -> {
        // An enum bounds the length by itself: the API server sizes such a string by its
        // longest value (estimateMaxStringEnumLength).
        boolean isEnum = s.getEnum() != null && !s.getEnum().isEmpty();
        if (s.getMaxLength() == null && !isEnum) {
          unbounded.add(at + ": string without maxLength");
        }
      }
      case "object" -> {
        if (Boolean.TRUE.equals(s.getXKubernetesPreserveUnknownFields())) {
          unbounded.add(at + ": x-kubernetes-preserve-unknown-fields (unbounded content)");
        }
        if (s.getAdditionalProperties() != null
            && s.getAdditionalProperties().getSchema() != null) {
          if (s.getMaxProperties() == null) {
            unbounded.add(at + ": map without maxProperties");
          }
          walk(s.getAdditionalProperties().getSchema(), path + "{}", unbounded);
        }
        if (s.getProperties() != null) {
          for (Map.Entry<String, JSONSchemaProps> p : s.getProperties().entrySet()) {
            walk(p.getValue(), path.isEmpty() ? p.getKey() : path + "." + p.getKey(), unbounded);
          }
        }
      }
      default -> {} // integer, number, boolean: fixed size
    }
  }

  /**
   * An upper bound of the API server's static estimate, rule by rule. The API server asks cel-go
   * for the rule's cost with each list sized by its maxItems and each string by its maxLength, then
   * multiplies by the rule's cardinality, the product of maxItems/maxProperties of the lists and
   * maps above it (an unbounded one counts as a whole request full of items). The estimate here:
   * each AST node costs cel-go at most 1 plus 0.1 per byte of a string it compares, and our
   * comprehensions only compare list items with literals (whose bytes are characters of the rule),
   * so a rule's characters bound the cost of its non-iterating part; an {@code all}/{@code
   * exists}/{@code exists_one} macro over a list of the object costs per item at most its loop
   * condition and step (4) plus the characters of its body. What the estimate does not model
   * (string functions, regex, size, filter/map, a macro over anything but a list of {@code self},
   * nested macros) fails the test, so that it is extended rather than silently wrong.
   */
  @ParameterizedTest
  @ValueSource(strings = {"exposedservices.fly.io-v1.yml", "flycastips.fly.io-v1.yml"})
  void estimatedRuleCostsStayInsideTheApiServerLimits(String file) throws Exception {
    JSONSchemaProps schema = schema(file);
    List<RuleCost> costs = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    estimate(schema, "", 1, costs, problems);
    assertThat(problems).as(file).isEmpty();
    assertThat(costs).as("%s: every rule is estimated", file).hasSize(countRules(schema));
    long total = 0;
    for (RuleCost c : costs) {
      assertThat(c.cost())
          .as("%s %s: %s", file, c.at(), c.rule())
          .isLessThanOrEqualTo(STATIC_ESTIMATED_COST_LIMIT);
      total = saturatingAdd(total, c.cost());
    }
    assertThat(total)
        .as("%s: estimated total CEL cost", file)
        .isLessThanOrEqualTo(STATIC_ESTIMATED_CRD_COST_LIMIT);
  }

  /**
   * The ports rules are what a real API server refused before the bounds; the estimate sees them.
   */
  @Test
  void portRulesAreEstimatedWithTheirBounds() throws Exception {
    JSONSchemaProps schema = schema("exposedservices.fly.io-v1.yml");
    List<RuleCost> costs = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    estimate(schema, "", 1, costs, problems);
    assertThat(costs)
        .filteredOn(c -> c.at().equals("spec.ports[]"))
        .hasSize(2)
        .allSatisfy(
            c -> {
              assertThat(c.rule()).contains("self.handlers.exists(");
              // Limits.PORTS x (rule + Limits.HANDLERS x (4 + body)): about 2 x 10^4.
              assertThat(c.cost()).isBetween((long) Limits.PORTS * Limits.HANDLERS, 50_000L);
            });

    // Without the bounds (the CRDs before them), the same rules fail the estimate.
    JSONSchemaProps ports = schema.getProperties().get("spec").getProperties().get("ports");
    ports.setMaxItems(null);
    ports.getItems().getSchema().getProperties().get("handlers").setMaxItems(null);
    List<String> unbounded = new ArrayList<>();
    estimate(schema, "", 1, new ArrayList<>(), unbounded);
    assertThat(unbounded)
        .hasSize(4)
        .anySatisfy(p -> assertThat(p).contains("iterates self.handlers, which has no maxItems"))
        .anySatisfy(p -> assertThat(p).contains("under a list or map without maxItems"));
  }

  record RuleCost(String at, String rule, long cost) {}

  private static int countRules(JSONSchemaProps s) {
    if (s == null) {
      return 0;
    }
    int n = s.getXKubernetesValidations() == null ? 0 : s.getXKubernetesValidations().size();
    n += countRules(s.getItems() == null ? null : s.getItems().getSchema());
    n +=
        countRules(
            s.getAdditionalProperties() == null ? null : s.getAdditionalProperties().getSchema());
    if (s.getProperties() != null) {
      for (JSONSchemaProps p : s.getProperties().values()) {
        n += countRules(p);
      }
    }
    return n;
  }

  private static final Pattern MACRO =
      Pattern.compile(
          "\\bself((?:\\.[A-Za-z_][A-Za-z0-9_]*)+)\\.(all|exists|exists_one)\\(\\s*[A-Za-z_]\\w*\\s*,");
  private static final Pattern ANY_MACRO =
      Pattern.compile("\\.(all|exists|exists_one|filter|map|transformList|transformMap)\\(");
  private static final Pattern UNMODELLED =
      Pattern.compile(
          "\\b(matches|contains|startsWith|endsWith|size|split|join|indexOf|lastIndexOf|replace|lowerAscii|upperAscii|"
              + "format|quantity|url|ip|cidr|isSorted|sum|min|max|oldSelf|filter|map)\\b");

  private static void estimate(
      JSONSchemaProps s,
      String path,
      long cardinality,
      List<RuleCost> costs,
      List<String> problems) {
    if (s == null) {
      return;
    }
    String at = path.isEmpty() ? "<root>" : path;
    if (s.getXKubernetesValidations() != null) {
      for (ValidationRule r : s.getXKubernetesValidations()) {
        String rule = r.getRule();
        Matcher unmodelled = UNMODELLED.matcher(rule);
        if (unmodelled.find()) {
          problems.add(
              at
                  + ": rule uses "
                  + unmodelled.group(1)
                  + ", which this estimate does not model: "
                  + rule);
          continue;
        }
        long macros = ANY_MACRO.matcher(rule).results().count();
        long modelled =
            MACRO
                .matcher(rule)
                .results()
                .filter(
                    m ->
                        !ANY_MACRO
                            .matcher(rule.substring(m.end(), m.end() + bodyLength(rule, m.end())))
                            .find())
                .count();
        if (macros != modelled) {
          problems.add(
              at
                  + ": rule has a macro this estimate does not model (only"
                  + " self.<list>.all/exists/exists_one, not nested): "
                  + rule);
          continue;
        }
        long cost = rule.length();
        Matcher m = MACRO.matcher(rule);
        while (m.find()) {
          JSONSchemaProps list = s;
          for (String field : m.group(1).substring(1).split("\\.")) {
            list = list.getProperties() == null ? null : list.getProperties().get(field);
            if (list == null) {
              break;
            }
          }
          Long items = list == null ? null : list.getMaxItems();
          if (items == null) {
            problems.add(
                at + ": rule iterates self" + m.group(1) + ", which has no maxItems: " + rule);
            cost = Long.MAX_VALUE;
            break;
          }
          int body = bodyLength(rule, m.end());
          cost = saturatingAdd(cost, saturatingMultiply(items, 4 + body));
        }
        if (cardinality == Long.MAX_VALUE) {
          problems.add(
              at + ": rule sits under a list or map without maxItems/maxProperties: " + rule);
        }
        costs.add(new RuleCost(at, rule, saturatingMultiply(cost, cardinality)));
      }
    }
    if (s.getItems() != null) {
      Long n = s.getMaxItems();
      estimate(
          s.getItems().getSchema(),
          path + "[]",
          n == null ? Long.MAX_VALUE : saturatingMultiply(cardinality, n),
          costs,
          problems);
    }
    if (s.getAdditionalProperties() != null && s.getAdditionalProperties().getSchema() != null) {
      Long n = s.getMaxProperties();
      estimate(
          s.getAdditionalProperties().getSchema(),
          path + "{}",
          n == null ? Long.MAX_VALUE : saturatingMultiply(cardinality, n),
          costs,
          problems);
    }
    if (s.getProperties() != null) {
      for (Map.Entry<String, JSONSchemaProps> p : s.getProperties().entrySet()) {
        estimate(
            p.getValue(),
            path.isEmpty() ? p.getKey() : path + "." + p.getKey(),
            cardinality,
            costs,
            problems);
      }
    }
  }

  /** Characters from {@code from} up to the parenthesis closing the macro call. */
  private static int bodyLength(String rule, int from) {
    int depth = 1;
    for (int i = from; i < rule.length(); i++) {
      char c = rule.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')' && --depth == 0) {
        return i - from;
      }
    }
    return rule.length() - from;
  }

  private static long saturatingAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  private static long saturatingMultiply(long a, long b) {
    return a != 0 && b > Long.MAX_VALUE / a ? Long.MAX_VALUE : a * b;
  }
}
