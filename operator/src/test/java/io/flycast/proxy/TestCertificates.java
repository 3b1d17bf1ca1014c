package io.flycast.proxy;

import io.flycast.proxy.tls.ServerCertificate;
import io.netty.handler.ssl.util.SelfSignedCertificate;

/** Self-signed server certificates for tests. */
public final class TestCertificates {
  private TestCertificates() {}

  public static ServerCertificate selfSigned(String hostname) throws Exception {
    SelfSignedCertificate ssc = new SelfSignedCertificate(hostname);
    try {
      return new ServerCertificate(ssc.key(), ssc.cert());
    } finally {
      ssc.delete(); // its temporary PEM files; the objects stay usable
    }
  }
}
