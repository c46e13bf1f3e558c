package dev.sandboxd.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.errdefs.SandboxdException;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SeccompProfileManifestTest {

  private final PodManifests manifests = new PodManifests(() -> "uid");

  private Pod parse(String podSc, String containerSc) {
    return manifests.parse("""
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          securityContext: %s
          containers:
          - name: app
            image: busybox
            securityContext: %s
        """.formatted(podSc, containerSc), false).pod();
  }

  @Test
  void podAndContainerLevelAreRead() {
    Pod pod = parse("{seccompProfile: {type: Unconfined}}",
        "{seccompProfile: {type: Localhost, localhostProfile: profiles/./audit.json}}");
    assertEquals(Optional.of(SeccompProfile.UNCONFINED), pod.spec().securityContext().seccompProfile());
    assertEquals(Optional.of(SeccompProfile.localhost("profiles/audit.json")),
        pod.spec().containers().get(0).securityContext().seccompProfile());
  }

  @Test
  void absentIsEmptyAtBothLevels() {
    Pod pod = parse("{}", "{}");
    assertEquals(Optional.empty(), pod.spec().securityContext().seccompProfile());
    assertEquals(Optional.empty(), pod.spec().containers().get(0).securityContext().seccompProfile());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "{type: Localhost, localhostProfile: ../etc/shadow}   | spec.containers[0].securityContext.seccompProfile.localhostProfile | must not contain \"..\"",
    "{type: Localhost, localhostProfile: a/../../x.json}  | spec.containers[0].securityContext.seccompProfile.localhostProfile | must not contain \"..\"",
    "{type: Localhost, localhostProfile: /etc/x.json}     | spec.containers[0].securityContext.seccompProfile.localhostProfile | must be a relative path",
    "{type: Localhost}                                    | spec.containers[0].securityContext.seccompProfile.localhostProfile | required",
    "{type: Localhost, localhostProfile: .}               | spec.containers[0].securityContext.seccompProfile.localhostProfile | must name a file",
    "{type: RuntimeDefault, localhostProfile: x.json}     | spec.containers[0].securityContext.seccompProfile.localhostProfile | only be set when type is Localhost",
    "{type: unconfined}                                   | spec.containers[0].securityContext.seccompProfile.type             | must be one of",
    "{localhostProfile: x.json}                           | spec.containers[0].securityContext.seccompProfile.type             | required",
    "{type: RuntimeDefault, other: 1}                     | spec.containers[0].securityContext.seccompProfile.other            | ''",
  })
  void badProfilesAreRefusedNamingTheField(String profile, String field, String message) {
    SandboxdException e = assertThrows(SandboxdException.class, () -> parse("{}", "{seccompProfile: " + profile + "}"));
    assertTrue(e.getMessage().startsWith(field), e.getMessage());
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  @Test
  void podLevelTraversalNamesThePodField() {
    SandboxdException e = assertThrows(SandboxdException.class,
        () -> parse("{seccompProfile: {type: Localhost, localhostProfile: ../x}}", "{}"));
    assertTrue(e.getMessage().startsWith("spec.securityContext.seccompProfile.localhostProfile"), e.getMessage());
  }
}
