package dev.sandboxd.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sandboxd.pod.ImagePullPolicy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageReferencesTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "busybox, docker.io/library/busybox:latest",
      "busybox:1.36, docker.io/library/busybox:1.36",
      "team/app, docker.io/team/app:latest",
      "127.0.0.1:5000/app:1.2, 127.0.0.1:5000/app:1.2",
      "127.0.0.1:5000/app, 127.0.0.1:5000/app:latest",
      "localhost/sandboxd/busybox:1.35, localhost/sandboxd/busybox:1.35",
      "registry.example/a/b@sha256:abc, registry.example/a/b@sha256:abc",
  })
  void normalize(String reference, String normalized) {
    assertEquals(normalized, ImageReferences.normalize(reference));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "busybox, Always",
      "busybox:latest, Always",
      "busybox:1.36, IfNotPresent",
      "127.0.0.1:5000/app, Always",
      "127.0.0.1:5000/app:1.2, IfNotPresent",
      "registry.example/app@sha256:abc, IfNotPresent",
  })
  void kubernetesDefaultPullPolicy(String image, ImagePullPolicy policy) {
    assertEquals(policy, ImagePullPolicy.defaultFor(image));
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(delimiter = '|', value = {
      "failed to resolve reference \"r\": r: not found | NOT_FOUND",
      "unexpected status from HEAD request to https://r/v2/app/manifests/1: 401 Unauthorized | UNAUTHORIZED",
      "failed to do request: Head \"https://r\": tls: failed to verify certificate: x509: certificate signed by unknown authority | TLS",
      "failed to do request: Head \"https://r\": dial tcp 127.0.0.1:5000: connect: connection refused | UNREACHABLE",
      "failed to copy: httpReadSeeker: failed open: unexpected EOF | UNREACHABLE",
      "no match for platform in manifest: not found | NO_MATCHING_PLATFORM",
      "failed commit on ref \"layer\": write /var/lib/containerd: no space left on device | DISK_FULL",
      "something else | OTHER",
  })
  void failureReasons(String containerdMessage, PullFailure.Reason reason) {
    assertEquals(reason, PullFailure.classify(containerdMessage));
  }
}
