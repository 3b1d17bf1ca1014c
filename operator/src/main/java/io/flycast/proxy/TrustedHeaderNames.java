package io.flycast.proxy;

import io.flycast.proxy.http.FlyHeaders;
import io.flycast.proxy.http.FlyReplay;
import io.netty.handler.codec.DefaultHeaders;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.util.AsciiString;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Header name validation that skips names known to be valid. Netty checks every name put into a
 * header map, character by character; the proxy puts the same dozen constant names into every
 * request and response, so that check was a measurable share of the request path (about 5% of its
 * user CPU in a profile). A name whose bytes equal one checked here once is valid; every other name
 * is validated as before.
 */
public final class TrustedHeaderNames implements DefaultHeaders.NameValidator<CharSequence> {
  /**
   * Header maps made by the proxy's HTTP/1.1 decoders: the names the proxy adds skip validation.
   */
  public static final HttpHeadersFactory HEADERS =
      DefaultHttpHeadersFactory.headersFactory().withNameValidator(new TrustedHeaderNames());

  private static final DefaultHeaders.NameValidator<CharSequence> STANDARD =
      DefaultHttpHeadersFactory.headersFactory().getNameValidator();

  /**
   * Names already checked, looked up by identity: the names the proxy adds are these very
   * constants, and so are the ones Netty's decoders hand out for common names. An equal name in
   * another object is validated as any other (a content lookup cost as much as validating).
   */
  private static final Set<AsciiString> TRUSTED = checked();

  private static Set<AsciiString> checked() {
    Set<AsciiString> names = Collections.newSetFromMap(new IdentityHashMap<>());
    // Netty's own constants (its decoders hand out some of them for common names), then ours.
    for (Field f : HttpHeaderNames.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == AsciiString.class) {
        try {
          names.add((AsciiString) f.get(null));
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    names.addAll(
        List.of(
            FlyHeaders.FLY_CLIENT_IP,
            FlyHeaders.FLY_FORWARDED_PORT,
            FlyHeaders.FLY_REGION,
            FlyHeaders.FLY_REQUEST_ID,
            FlyHeaders.X_FORWARDED_FOR,
            FlyHeaders.X_FORWARDED_PROTO,
            FlyHeaders.X_FORWARDED_SSL,
            FlyHeaders.X_FORWARDED_PORT,
            FlyReplay.SOURCE_HEADER,
            FlyReplay.FAILED_HEADER));
    for (AsciiString name : names) {
      STANDARD.validateName(name); // trusted because checked once, here
    }
    return Collections.unmodifiableSet(names);
  }

  private TrustedHeaderNames() {}

  @Override
  public void validateName(CharSequence name) {
    if (!(name instanceof AsciiString a && TRUSTED.contains(a))) {
      STANDARD.validateName(name);
    }
  }
}
