package dev.sandboxd.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandboxd.cgroup.CgroupLimits;
import dev.sandboxd.image.ImageConfig;
import dev.sandboxd.pod.Container;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.pod.PodMeta;
import dev.sandboxd.pod.PodDns;
import dev.sandboxd.pod.PodSecurityContext;
import dev.sandboxd.pod.PodSpec;
import dev.sandboxd.pod.ResourceRequirements;
import dev.sandboxd.pod.RestartPolicy;
import dev.sandboxd.pod.SeccompProfile;
import dev.sandboxd.pod.SecurityContext;
import dev.sandboxd.pod.Supervision;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** linux.seccomp of the pause and container specs: which profile, from where, and its JSON. */
class SeccompSpecTest {

  private static final ImageConfig BUSYBOX =
      new ImageConfig(List.of(), List.of("sh"), List.of(), Optional.empty(), Optional.empty(), Optional.empty());
  private static final ImageConfig PAUSE =
      new ImageConfig(List.of("/pause"), List.of(), List.of(), Optional.of("/"), Optional.of("65535:65535"), Optional.empty());
  private static final OciSpec.Seccomp LOCALHOST = new OciSpec.Seccomp(
      "SCMP_ACT_LOG", null, List.of(), List.of(new OciSpec.Syscall(List.of("read"), "SCMP_ACT_ALLOW", null, List.of())));

  private static SecurityContext sc(Optional<SeccompProfile> seccomp, boolean privileged, List<String> add) {
    return new SecurityContext(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        privileged ? Optional.of(true) : Optional.empty(), Optional.empty(), add, List.of(), seccomp);
  }

  private static Container container(SecurityContext sc) {
    return new Container("app", "busybox", List.of(), List.of(), List.of(), Optional.empty(), List.of(), sc,
        ResourceRequirements.NONE, Supervision.NONE);
  }

  private static Pod pod(Optional<SeccompProfile> podProfile, Container c) {
    return new Pod(new PodMeta("web", "default", "uid-1", Map.of(), Map.of()),
        new PodSpec(List.of(), List.of(c), List.of(), RestartPolicy.Always, 30, false, Optional.empty(),
            new PodSecurityContext(Optional.empty(), Optional.empty(), Optional.empty(), List.of(), podProfile),
            PodDns.DEFAULT));
  }

  private static OciSpec spec(Pod pod, Optional<OciSpec.Seccomp> localhost) {
    return OciSpecs.forContainer(new ContainerSpecInputs(
        pod, pod.spec().containers().get(0), BUSYBOX, "sb", 42, "", List.of(), "web", EtcFiles.NONE,
        LinuxCapabilities.KNOWN, 0, CgroupLimits.NONE, localhost));
  }

  private static OciSpec spec(Optional<SeccompProfile> podProfile, Optional<SeccompProfile> containerProfile) {
    return spec(pod(podProfile, container(sc(containerProfile, false, List.of()))), Optional.of(LOCALHOST));
  }

  private static Optional<SeccompProfile> profile(String name) {
    switch (name) {
      case "-":
        return Optional.empty();
      case "Localhost":
        return Optional.of(SeccompProfile.localhost("p.json"));
      default:
        return Optional.of(SeccompProfile.Type.valueOf(name) == SeccompProfile.Type.Unconfined
            ? SeccompProfile.UNCONFINED : SeccompProfile.RUNTIME_DEFAULT);
    }
  }

  @Test
  void pauseRunsUnderRuntimeDefaultWithoutCapabilitySyscallsForTheMachinesOwnAbi() {
    Pod pod = pod(Optional.empty(), container(SecurityContext.EMPTY));
    OciSpec.Seccomp seccomp =
        OciSpecs.forPause(new PauseSpecInputs(pod.metadata().namespace(), pod.metadata().name(), pod.metadata().uid(), "sb",
            PAUSE, "", "web", Optional.empty(), -998)).linux().seccomp();
    assertEquals(RuntimeDefaultSeccomp.pauseProfile(System.getProperty("os.arch")), seccomp);
  }

  @ParameterizedTest(name = "pod {0}, container {1}: {2}")
  @CsvSource({
    "-,              -,              RuntimeDefault",
    "Unconfined,     -,              Unconfined",
    "-,              Unconfined,     Unconfined",
    "Unconfined,     RuntimeDefault, RuntimeDefault",
    "RuntimeDefault, Unconfined,     Unconfined",
    "Localhost,      -,              Localhost",
    "Unconfined,     Localhost,      Localhost",
    "Localhost,      RuntimeDefault, RuntimeDefault",
  })
  void containerLevelWinsOverPodLevelOverRuntimeDefault(String podLevel, String containerLevel, String expected) {
    OciSpec.Seccomp seccomp = spec(profile(podLevel), profile(containerLevel)).linux().seccomp();
    switch (expected) {
      case "Unconfined":
        assertNull(seccomp);
        break;
      case "Localhost":
        assertEquals(LOCALHOST, seccomp);
        break;
      default:
        assertEquals(RuntimeDefaultSeccomp.profile(System.getProperty("os.arch"), LinuxCapabilities.DEFAULTS), seccomp);
    }
  }

  @Test
  void runtimeDefaultFollowsTheContainersBoundingCapabilities() {
    Pod pod = pod(Optional.empty(), container(sc(Optional.empty(), false, List.of("CAP_SYS_ADMIN"))));
    OciSpec.Seccomp seccomp = spec(pod, Optional.empty()).linux().seccomp();
    assertTrue(seccomp.syscalls().stream().anyMatch(r -> r.names().contains("unshare")));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"RuntimeDefault", "Localhost", "-"})
  void privilegedRunsUnconfinedWhateverItNames(String named) {
    Pod pod = pod(Optional.empty(), container(sc(profile(named), true, List.of())));
    assertNull(spec(pod, Optional.empty()).linux().seccomp());
  }

  @Test
  void localhostWithoutTheLoadedProfileIsABugOfTheCaller() {
    Pod pod = pod(Optional.empty(), container(sc(profile("Localhost"), false, List.of())));
    assertThrows(IllegalArgumentException.class, () -> spec(pod, Optional.empty()));
  }

  @Test
  void unconfinedLeavesSeccompOutOfTheJson() throws Exception {
    JsonNode linux = new ObjectMapper().readTree(spec(profile("Unconfined"), Optional.empty()).toJson()).get("linux");
    assertFalse(linux.has("seccomp"));
  }

  @Test
  void jsonHasTheRuntimeSpecShape() throws Exception {
    JsonNode seccomp = new ObjectMapper()
        .readTree(spec(Optional.empty(), Optional.empty()).toJson()).get("linux").get("seccomp");
    assertEquals("SCMP_ACT_ERRNO", seccomp.get("defaultAction").asText());
    assertFalse(seccomp.has("defaultErrnoRet"));
    assertTrue(seccomp.get("architectures").isArray());
    JsonNode first = seccomp.get("syscalls").get(0);
    assertEquals("SCMP_ACT_ALLOW", first.get("action").asText());
    assertFalse(first.has("args"), "no empty args");
    assertFalse(first.has("errnoRet"));
    JsonNode personality = seccomp.get("syscalls").get(1);
    assertEquals("personality", personality.get("names").get(0).asText());
    JsonNode arg = personality.get("args").get(0);
    assertEquals(0, arg.get("index").asInt());
    assertEquals(0, arg.get("value").asLong());
    assertEquals(0, arg.get("valueTwo").asLong());
    assertEquals("SCMP_CMP_EQ", arg.get("op").asText());
    JsonNode clone3 = null;
    for (JsonNode rule : seccomp.get("syscalls")) {
      if (rule.get("names").get(0).asText().equals("clone3")) {
        clone3 = rule;
      }
    }
    assertEquals("SCMP_ACT_ERRNO", clone3.get("action").asText());
    assertEquals(38, clone3.get("errnoRet").asInt());
  }
}
