package io.flycast.peers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** The wire form of reports (JSON) and cordon sets (JSON, base64url in a header). */
final class PeerJson {
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .configure(
              DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES,
              false); // newer peers may add fields

  private PeerJson() {}

  static String report(LoadReport r) {
    try {
      return JSON.writeValueAsString(r);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static LoadReport report(String json) throws JsonProcessingException {
    return JSON.readValue(json, LoadReport.class);
  }

  static String cordonHeader(CordonSet set) {
    try {
      return Base64.getUrlEncoder().withoutPadding().encodeToString(JSON.writeValueAsBytes(set));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The cordon set of a header; null when absent or unreadable (then nothing is cordoned by it).
   */
  static CordonSet cordonHeader(String header) {
    if (header == null || header.isBlank()) {
      return null;
    }
    try {
      return JSON.readValue(
          new String(Base64.getUrlDecoder().decode(header.strip()), StandardCharsets.UTF_8),
          CordonSet.class);
    } catch (IllegalArgumentException | JsonProcessingException e) {
      return null;
    }
  }
}
