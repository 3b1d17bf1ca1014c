package io.flycast.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads the spec or status of an {@link ExposedService} so that no value in it can fail the whole
 * object. A real cluster can hold what this model cannot read (an enum value of a newer CRD
 * version, an object stored before the schema validated it), and the informers deserialize every
 * object of the type: one failure there stops the watch for all of them.
 *
 * <p>A value the model cannot read is left out, as if it were not set, and reported with its path,
 * what it is and what is accepted ({@code spec.ports[0].handlers[0]: 'htttp' is not one of tls,
 * http, proxy_proto, pg_tls; ignored}). In a list it becomes {@code null}, so the other entries
 * keep their indexes. Every such value is found: each read that fails names the value it failed on,
 * which is left out before the next read.
 */
public abstract class TolerantDeserializer<T> extends StdDeserializer<T> {
  /** Reads given up after this many values left out: the whole part is left out then. */
  static final int MAX_PROBLEMS = 50;

  private static final Pattern SIMPLE_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private final Class<T> type;
  private final String root;

  TolerantDeserializer(Class<T> type, String root) {
    super(type);
    this.type = type;
    this.root = root;
  }

  /** The value read, with what could not be read in it. */
  protected abstract T withProblems(T value, List<String> problems);

  @Override
  public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
    JsonNode tree = ctxt.readTree(p);
    List<String> problems = new ArrayList<>();
    return withProblems(read(tree, ctxt, problems), problems);
  }

  private T read(JsonNode tree, DeserializationContext ctxt, List<String> problems)
      throws IOException {
    if (!tree.isObject()) {
      problems.add(root + ": " + describe(tree) + " is not an object; ignored");
      return empty(ctxt);
    }
    JsonNode work = tree.deepCopy();
    JsonMappingException last = null;
    while (problems.size() < MAX_PROBLEMS) {
      try {
        return ctxt.readTreeAsValue(work, type);
      } catch (JsonMappingException e) {
        last = e;
        if (!leaveOut(work, e, problems)) {
          break;
        }
      }
    }
    problems.add(
        root
            + " cannot be read ("
            + (last == null ? "too many problems" : last.getOriginalMessage())
            + "); ignored");
    return empty(ctxt);
  }

  /**
   * Leaves out the value {@code e} failed on and reports it; false when there is none to leave out.
   */
  private boolean leaveOut(JsonNode work, JsonMappingException e, List<String> problems) {
    List<JsonMappingException.Reference> path = e.getPath();
    if (path.isEmpty()) {
      return false;
    }
    JsonNode parent = work;
    for (int i = 0; i < path.size() - 1 && parent != null; i++) {
      parent = child(parent, path.get(i));
    }
    JsonMappingException.Reference at = path.get(path.size() - 1);
    JsonNode bad = parent == null ? null : child(parent, at);
    if (bad == null || bad.isNull()) {
      return false;
    }
    problems.add(pathOf(path) + ": " + complaint(bad, e) + "; ignored");
    if (parent instanceof ArrayNode a) {
      a.set(at.getIndex(), NullNode.getInstance());
    } else {
      ((ObjectNode) parent).remove(at.getFieldName());
    }
    return true;
  }

  private static JsonNode child(JsonNode node, JsonMappingException.Reference r) {
    if (r.getIndex() >= 0) {
      return node instanceof ArrayNode ? node.get(r.getIndex()) : null;
    }
    return node instanceof ObjectNode && r.getFieldName() != null
        ? node.get(r.getFieldName())
        : null;
  }

  private String pathOf(List<JsonMappingException.Reference> path) {
    StringBuilder b = new StringBuilder(root);
    for (var r : path) {
      if (r.getIndex() >= 0) {
        b.append('[').append(r.getIndex()).append(']');
      } else if (SIMPLE_KEY.matcher(r.getFieldName()).matches()) {
        b.append('.').append(r.getFieldName());
      } else {
        b.append("['").append(r.getFieldName()).append("']");
      }
    }
    return b.toString();
  }

  private static String complaint(JsonNode bad, JsonMappingException e) {
    if (e instanceof UnrecognizedPropertyException) {
      return "not a field this version of Flycast knows";
    }
    if (e.getCause() instanceof InputCoercionException c) {
      return describe(bad) + " is out of range for " + expected(c.getTargetType());
    }
    Class<?> target = e instanceof MismatchedInputException m ? m.getTargetType() : null;
    if (target == null && e instanceof InvalidFormatException f) {
      target = f.getTargetType();
    }
    String expected = expected(target);
    if (bad.isIntegralNumber() && "an integer".equals(expected)) {
      return describe(bad) + " is out of range for an integer";
    }
    return expected == null
        ? describe(bad) + " cannot be read (" + e.getOriginalMessage() + ")"
        : describe(bad) + " is not " + expected;
  }

  /** What a value of {@code type} looks like, said the way the CRD spells it; null when unknown. */
  static String expected(Class<?> type) {
    if (type == null) {
      return null;
    }
    if (type.isEnum()) {
      return "one of "
          + Arrays.stream(type.getEnumConstants())
              .map(c -> jsonName((Enum<?>) c))
              .collect(Collectors.joining(", "));
    }
    if (type == Integer.class
        || type == int.class
        || type == Long.class
        || type == long.class
        || type == Short.class
        || type == short.class
        || type == java.math.BigInteger.class) {
      return "an integer";
    }
    if (Number.class.isAssignableFrom(type) || type == double.class || type == float.class) {
      return "a number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (type == String.class) {
      return "a string";
    }
    if (Collection.class.isAssignableFrom(type) || type.isArray()) {
      return "a list";
    }
    if (Map.class.isAssignableFrom(type)
        || (!type.isPrimitive() && !type.getName().startsWith("java."))) {
      return "an object";
    }
    return null;
  }

  private static String jsonName(Enum<?> constant) {
    try {
      JsonProperty p =
          constant.getDeclaringClass().getField(constant.name()).getAnnotation(JsonProperty.class);
      return p == null || p.value().isEmpty() ? constant.name() : p.value();
    } catch (NoSuchFieldException e) {
      return constant.name();
    }
  }

  /** A JSON value as a person would point at it: {@code 'text'}, {@code 5}, {@code a list}. */
  static String describe(JsonNode n) {
    if (n.isTextual()) {
      return "'" + n.asText() + "'";
    }
    if (n.isObject()) {
      return "an object";
    }
    if (n.isArray()) {
      return "a list";
    }
    return n.toString();
  }

  private T empty(DeserializationContext ctxt) throws IOException {
    try {
      return type.getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      return ctxt.reportBadDefinition(type, "no default constructor: " + e);
    }
  }

  /**
   * An ExposedService's spec: what could not be read is kept in {@link
   * ExposedServiceSpec#unreadable()}.
   */
  public static final class Spec extends TolerantDeserializer<ExposedServiceSpec> {
    public Spec() {
      super(ExposedServiceSpec.class, "spec");
    }

    @Override
    protected ExposedServiceSpec withProblems(ExposedServiceSpec value, List<String> problems) {
      value.unreadable = List.copyOf(problems);
      return value;
    }
  }

  /**
   * An ExposedService's status: Flycast writes it afresh from the spec, so what could not be read
   * in it (another version's writing) is simply not there.
   */
  public static final class Status extends TolerantDeserializer<ExposedServiceStatus> {
    public Status() {
      super(ExposedServiceStatus.class, "status");
    }

    @Override
    protected ExposedServiceStatus withProblems(ExposedServiceStatus value, List<String> problems) {
      return value;
    }
  }
}
