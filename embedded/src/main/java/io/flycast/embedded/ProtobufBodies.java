package io.flycast.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.kubernetes.client.proto.Runtime;
import io.kubernetes.client.proto.V1;
import io.kubernetes.client.proto.V1Apps;
import io.kubernetes.client.proto.V1Autoscaling;
import io.kubernetes.client.proto.V1Batch;
import io.kubernetes.client.proto.V1Networking;
import io.kubernetes.client.proto.V1Policy;
import io.kubernetes.client.proto.V1Rbac;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;

/**
 * Reads the protobuf request bodies kubectl and helm send for built-in types ({@code kubectl create
 * deployment|namespace|secret}, helm's release Secret): the magic {@code k8s\0}, then a {@code
 * runtime.Unknown} whose {@code raw} is the object's message, decoded with Kubernetes' own
 * generated descriptors into the JSON the store keeps.
 */
final class ProtobufBodies {
  static final String CONTENT_TYPE = "application/vnd.kubernetes.protobuf";
  private static final byte[] MAGIC = {'k', '8', 's', 0};
  private static final ObjectMapper JSON = new ObjectMapper();

  /** API group → the generated file of its v1 messages. */
  private static final Map<String, FileDescriptor> GROUPS =
      Map.of(
          "", V1.getDescriptor(),
          "apps", V1Apps.getDescriptor(),
          "autoscaling", V1Autoscaling.getDescriptor(),
          "batch", V1Batch.getDescriptor(),
          "networking.k8s.io", V1Networking.getDescriptor(),
          "policy", V1Policy.getDescriptor(),
          "rbac.authorization.k8s.io", V1Rbac.getDescriptor());

  private ProtobufBodies() {}

  static boolean isProtobuf(String contentType) {
    return contentType != null && contentType.startsWith(CONTENT_TYPE);
  }

  /** The JSON form of a protobuf body; an {@link IOException} says why it cannot be read. */
  static String toJson(byte[] body) throws IOException {
    if (body.length < MAGIC.length || !Arrays.equals(body, 0, 4, MAGIC, 0, 4)) {
      throw new IOException("protobuf body without the k8s\\0 prefix");
    }
    Runtime.Unknown unknown =
        Runtime.Unknown.parseFrom(ByteString.copyFrom(body, 4, body.length - 4));
    String apiVersion = unknown.getTypeMeta().getApiVersion();
    String kind = unknown.getTypeMeta().getKind();
    String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
    FileDescriptor file = GROUPS.get(group);
    Descriptor type = file == null ? null : file.findMessageTypeByName(kind);
    if (type == null) {
      // DeleteOptions and the other meta/v1 kinds come with any group's version.
      type = io.kubernetes.client.proto.Meta.getDescriptor().findMessageTypeByName(kind);
    }
    if (type == null || !apiVersion.endsWith("v1")) {
      throw new IOException("no protobuf message for " + apiVersion + " " + kind);
    }
    ObjectNode json;
    try {
      json = message(DynamicMessage.parseFrom(type, unknown.getRaw()));
    } catch (InvalidProtocolBufferException e) {
      throw new IOException("cannot read " + kind + ": " + e.getMessage(), e);
    }
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("apiVersion", apiVersion);
    out.put("kind", kind);
    out.setAll(json);
    return JSON.writeValueAsString(out);
  }

  private static ObjectNode message(Message m) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      if (f.isMapField()) {
        ObjectNode map = out.putObject(f.getJsonName());
        for (Object entry : (Iterable<?>) e.getValue()) {
          Message kv = (Message) entry;
          Descriptor d = kv.getDescriptorForType();
          map.set(
              String.valueOf(kv.getField(d.findFieldByName("key"))),
              value(d.findFieldByName("value"), kv.getField(d.findFieldByName("value"))));
        }
      } else if (f.isRepeated()) {
        ArrayNode list = out.putArray(f.getJsonName());
        for (Object v : (Iterable<?>) e.getValue()) {
          list.add(value(f, v));
        }
      } else {
        JsonNode v = value(f, e.getValue());
        // Go writes a non-pointer field even when empty; its JSON leaves it out (omitempty).
        if (!(v.isTextual() && v.asText().isEmpty()) && !v.isNull()) {
          out.set(f.getJsonName(), v);
        }
      }
    }
    return out;
  }

  /** One field's value, with the wire types Kubernetes' JSON writes differently. */
  private static JsonNode value(FieldDescriptor f, Object v) {
    JsonNodeFactory n = JsonNodeFactory.instance;
    return switch (f.getJavaType()) {
      case MESSAGE -> special((Message) v);
      case BYTE_STRING ->
          n.textNode(Base64.getEncoder().encodeToString(((ByteString) v).toByteArray()));
      case INT -> n.numberNode((Integer) v);
      case LONG -> n.numberNode((Long) v);
      case FLOAT -> n.numberNode((Float) v);
      case DOUBLE -> n.numberNode((Double) v);
      case BOOLEAN -> n.booleanNode((Boolean) v);
      case ENUM -> n.textNode(v.toString());
      case STRING -> n.textNode((String) v);
    };
  }

  private static JsonNode special(Message m) {
    JsonNodeFactory n = JsonNodeFactory.instance;
    Descriptor d = m.getDescriptorForType();
    switch (d.getFullName()) {
      case "k8s.io.apimachinery.pkg.util.intstr.IntOrString" -> {
        long type = ((Number) m.getField(d.findFieldByName("type"))).longValue();
        return type == 0
            ? n.numberNode((Integer) m.getField(d.findFieldByName("intVal")))
            : n.textNode((String) m.getField(d.findFieldByName("strVal")));
      }
      case "k8s.io.apimachinery.pkg.api.resource.Quantity" -> {
        return n.textNode((String) m.getField(d.findFieldByName("string")));
      }
      case "k8s.io.apimachinery.pkg.apis.meta.v1.Time",
          "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime" -> {
        long seconds = (Long) m.getField(d.findFieldByName("seconds"));
        if (seconds == 0) {
          return n.nullNode();
        }
        Instant t = Instant.ofEpochSecond(seconds);
        return n.textNode(
            d.getName().equals("Time")
                ? t.truncatedTo(ChronoUnit.SECONDS).toString()
                : t.toString());
      }
      case "k8s.io.apimachinery.pkg.runtime.RawExtension" -> {
        try {
          return JSON.readTree(((ByteString) m.getField(d.findFieldByName("raw"))).toByteArray());
        } catch (IOException e) {
          return n.nullNode();
        }
      }
      default -> {
        return message(m);
      }
    }
  }
}
