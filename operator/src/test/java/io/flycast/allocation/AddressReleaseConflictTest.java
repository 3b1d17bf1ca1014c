package io.flycast.allocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.flycast.api.FlycastIP;
import io.flycast.api.FlycastIPSpec;
import java.net.InetAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Releasing an address deletes the FlycastIP version that was read, so an address that changed
 * hands meanwhile stays with its new owner. On a busy cluster the object can change between the
 * read and the delete (a label, an annotation): that 409 is read again and decided again, not
 * turned into a failed reconcile.
 */
class AddressReleaseConflictTest {
  private static final String ADDRESS = "fdaa:0:1::5";
  private static final String PATH = "/apis/fly.io/v1alpha1/flycastips/fdaa-0-1--5";
  private static final AddressOwner WEB = new AddressOwner("Service", "default", "web", "uid-web");
  private static final AddressOwner OTHER =
      new AddressOwner("Service", "default", "other", "uid-other");

  private KubernetesMockServer server;
  private KubernetesClient client;
  private FlycastAddressPool pool;

  @BeforeEach
  void setUp() {
    server = new KubernetesMockServer(false);
    server.init();
    client = server.createClient();
    // The pool's informer lists once, then watches: an empty list, a watch that stays quiet.
    server
        .expect()
        .get()
        .withPath("/apis/fly.io/v1alpha1/flycastips?limit=500")
        .andReturn(
            200,
            "{\"apiVersion\":\"fly.io/v1alpha1\",\"kind\":\"FlycastIPList\",\"metadata\":{\"resourceVersion\":\"1\"},\"items\":[]}")
        .always();
    server
        .expect()
        .withPath(
            "/apis/fly.io/v1alpha1/flycastips?allowWatchBookmarks=true&resourceVersion=1&timeoutSeconds=600&watch=true")
        .andUpgradeToWebSocket()
        .open()
        .done()
        .always();
    pool = new FlycastAddressPool(client, null);
  }

  @AfterEach
  void tearDown() {
    pool.close();
    client.close();
    server.destroy();
  }

  private static FlycastIP ip(AddressOwner owner, String resourceVersion) {
    FlycastIP ip = new FlycastIP();
    ip.setMetadata(
        new ObjectMetaBuilder()
            .withName("fdaa-0-1--5")
            .withResourceVersion(resourceVersion)
            .build());
    FlycastIPSpec spec = new FlycastIPSpec();
    spec.address = ADDRESS;
    spec.owner = owner.toSpec();
    ip.setSpec(spec);
    return ip;
  }

  private void conflicts(int times) {
    server
        .expect()
        .delete()
        .withPath(PATH)
        .andReturn(
            409,
            new StatusBuilder()
                .withCode(409)
                .withReason("Conflict")
                .withMessage("Precondition failed: ResourceVersion in precondition does not match")
                .build())
        .times(times);
  }

  private long deletes() {
    long n = 0;
    for (int i = server.getRequestCount(); i > 0; i--) {
      try {
        var r = server.takeRequest(1, java.util.concurrent.TimeUnit.SECONDS);
        if (r != null && "DELETE".equals(r.getMethod()) && PATH.equals(r.getPath())) {
          n++;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return n;
  }

  @Test
  void aConflictIsReadAgainAndTheAddressStillReleased() throws Exception {
    server.expect().get().withPath(PATH).andReturn(200, ip(WEB, "1")).once();
    server.expect().get().withPath(PATH).andReturn(200, ip(WEB, "2")).once();
    conflicts(1);
    server.expect().delete().withPath(PATH).andReturn(200, ip(WEB, "2")).once();

    pool.release(InetAddress.getByName(ADDRESS), WEB);

    assertThat(deletes()).as("the delete is tried again after the conflict").isEqualTo(2);
  }

  @Test
  void anAddressThatChangedHandsDuringTheConflictIsLeftToItsNewOwner() throws Exception {
    server.expect().get().withPath(PATH).andReturn(200, ip(WEB, "1")).once();
    server.expect().get().withPath(PATH).andReturn(200, ip(OTHER, "2")).once();
    conflicts(1);

    pool.release(InetAddress.getByName(ADDRESS), WEB);

    assertThat(deletes()).as("no delete of the new owner's address").isEqualTo(1);
  }

  @Test
  void conflictsWithoutEndAreReportedAfterABoundedNumberOfTries() throws Exception {
    server.expect().get().withPath(PATH).andReturn(200, ip(WEB, "1")).always();
    conflicts(FlycastAddressPool.MAX_RELEASE_ATTEMPTS);

    assertThatThrownBy(() -> pool.release(InetAddress.getByName(ADDRESS), WEB))
        .isInstanceOf(KubernetesClientException.class)
        .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(409));
    assertThat(deletes()).isEqualTo(FlycastAddressPool.MAX_RELEASE_ATTEMPTS);
  }

  @Test
  void aLeakedAddressIsReleasedInOneRoundTripFromTheCachedVersion() throws Exception {
    server.expect().delete().withPath(PATH).andReturn(200, ip(WEB, "1")).once();

    pool.releaseLeaked(ip(WEB, "1"));

    assertThat(deletes()).isEqualTo(1);
  }

  @Test
  void aLeakedAddressThatChangedSinceTheCacheSawItIsDecidedAgain() throws Exception {
    conflicts(1);
    server.expect().get().withPath(PATH).andReturn(200, ip(OTHER, "2")).once();

    pool.releaseLeaked(ip(WEB, "1"));

    assertThat(deletes()).as("taken by another owner meanwhile: left alone").isEqualTo(1);
  }

  @Test
  void aCreateRetriedAfterItReachedTheServerIsOursNotALostRace() throws Exception {
    // The client's retry of a create that had gone through: 409 AlreadyExists, with us as owner.
    server
        .expect()
        .post()
        .withPath("/apis/fly.io/v1alpha1/flycastips")
        .andReturn(
            409,
            new StatusBuilder()
                .withCode(409)
                .withReason("AlreadyExists")
                .withMessage("already exists")
                .build())
        .once();
    for (String last : new String[] {"4", "5", "6", "7"}) {
      FlycastIP mine = ip(WEB, "1");
      mine.getMetadata().setName("fdaa-0-1--" + last);
      mine.getSpec().address = "fdaa:0:1::" + last;
      server
          .expect()
          .get()
          .withPath("/apis/fly.io/v1alpha1/flycastips/fdaa-0-1--" + last)
          .andReturn(200, mine)
          .always();
    }
    var pooled = new FlycastAddressPool(client, AddressRange.forPrefix("fdaa:0:1::4/126"));
    try {
      InetAddress got = pooled.allocateNext(WEB);
      assertThat(pooled.range().contains(got)).isTrue();
    } finally {
      pooled.close();
    }
    long posts = 0;
    for (int i = server.getRequestCount(); i > 0; i--) {
      var r = server.takeRequest(1, java.util.concurrent.TimeUnit.SECONDS);
      if (r != null && "POST".equals(r.getMethod())) {
        posts++;
      }
    }
    assertThat(posts).as("no second address taken after our own create came back 409").isEqualTo(1);
  }
}
