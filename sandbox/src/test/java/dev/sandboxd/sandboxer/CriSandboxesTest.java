package dev.sandboxd.sandboxer;

import static dev.sandboxd.sandboxer.CriConfigs.NETNS;
import static dev.sandboxd.sandboxer.CriConfigs.config;
import static dev.sandboxd.sandboxer.CriConfigs.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandboxd.cgroup.FakeCgroupFs;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.runtime.FakeContainerRuntime;
import dev.sandboxd.runtime.Labels;
import dev.sandboxd.sandbox.SandboxController.SandboxExit;
import dev.sandboxd.sandbox.SandboxController.State;
import dev.sandboxd.volume.FakeVolumeSystem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import runtime.v1.Api.PodSandboxConfig;
import runtime.v1.Api.SecurityProfile;
import runtime.v1.Api.SecurityProfile.ProfileType;

class CriSandboxesTest {
  @TempDir Path tmp;
  private CriFixture node;
  private FakeContainerRuntime runtime;
  private FakeVolumeSystem mounts;
  private CriSandboxRecords records;
  private FakeCgroupFs cgroupFs;

  @BeforeEach
  void node() throws IOException {
    node = new CriFixture(tmp);
    runtime = node.runtime;
    mounts = node.mounts;
    records = node.records;
    cgroupFs = node.cgroupFs;
  }

  private CriSandboxes sandboxes() {
    return node.sandboxes();
  }

  private void bootstrap(String id) throws IOException {
    Path dir = tmp.resolve("containerd-state/io.containerd.runtime.v2.task/k8s.io").resolve(id);
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("bootstrap.json"),
        "{\"version\":3,\"address\":\"unix:///run/containerd/s/abc\",\"protocol\":\"ttrpc\"}");
  }

  @Test
  void startAnswersPidAndThePodShimsTaskEndpoint() throws IOException {
    CriSandboxes sandboxes = sandboxes();
    bootstrap("sb1");
    sandboxes.create("sb1", NETNS, options(config("web").build()));

    CriSandboxes.Started started = sandboxes.start("sb1");

    assertTrue(started.sandbox().pid() > 0);
    assertEquals(CriFixture.NOW, started.sandbox().createdAt());
    assertEquals(new ShimEndpoints.Endpoint("ttrpc+unix:///run/containerd/s/abc", 3), started.endpoint().orElseThrow());
    JsonNode spec = new ObjectMapper().readTree(runtime.containers.get("sb1").specJson());
    assertTrue(spec.at("/linux/namespaces").toString().contains("{\"type\":\"network\",\"path\":\"" + NETNS + "\"}"),
        spec.at("/linux/namespaces").toString());
    assertEquals("/kubepods/besteffort/pod-web/sb1", spec.at("/linux/cgroupsPath").asText());
    assertEquals("0", spec.at("/linux/sysctl/net.ipv4.ip_unprivileged_port_start").asText());
    assertEquals("web", spec.at("/hostname").asText());
    assertEquals(CriSandboxes.SOURCE_CRI, runtime.containers.get("sb1").labels().get(CriSandboxes.SOURCE_LABEL));
    assertFalse(runtime.containers.get("sb1").labels().containsKey("io.cri-containerd.kind"),
        "containerd's CRI would adopt a container so labelled as its own podsandbox");
    assertEquals(State.Ready, sandboxes.status("sb1").sandbox().state());
  }

  @Test
  void aFailedStartLeavesNothingForContainerdNeverShutsItDown() {
    CriSandboxes sandboxes = sandboxes();
    runtime.failCreateTaskWhen(id -> true);
    sandboxes.create("sb1", NETNS, options(config("web").build()));

    assertThrows(SandboxdException.class, () -> sandboxes.start("sb1"));

    assertEquals(java.util.Map.of(), runtime.leftovers(), "pause container, task or a snapshot of its own");
    assertTrue(records.list().isEmpty(), "record");
    assertFalse(Files.exists(tmp.resolve("cri-root/sandboxes/sb1")), "pod files");
    assertTrue(mounts.mounted.isEmpty(), "shm");
    assertThrows(SandboxdException.NotFound.class, () -> sandboxes.status("sb1"));
  }

  @Test
  void aFailedCreateLeavesNothing() throws IOException {
    CriSandboxes sandboxes = sandboxes();
    Files.delete(tmp.resolve("hosts")); // the pod files cannot be written

    assertThrows(SandboxdException.class, () -> sandboxes.create("sb1", NETNS, options(config("web").build())));

    assertTrue(records.list().isEmpty());
    assertFalse(Files.exists(tmp.resolve("cri-root/sandboxes/sb1")));
    assertTrue(mounts.mounted.isEmpty());
    assertEquals(java.util.Map.of(), runtime.leftovers(), "the pause container made meanwhile");
  }

  @Test
  void aPauseContainerContainerdRefusesLeavesNoRecordNorPodFilesWrittenMeanwhile() {
    CriSandboxes sandboxes = sandboxes();
    runtime.failWhen("create-container", id -> true);

    assertThrows(SandboxdException.class, () -> sandboxes.create("sb1", NETNS, options(config("web").build())));

    assertTrue(records.list().isEmpty(), "record");
    assertFalse(Files.exists(tmp.resolve("cri-root/sandboxes/sb1")), "pod files");
    assertTrue(mounts.mounted.isEmpty(), "shm");
    assertEquals(java.util.Map.of(), runtime.leftovers());
    assertThrows(SandboxdException.NotFound.class, () -> sandboxes.status("sb1"));
  }

  @Test
  void whenBothSidesFailTheFileWritersErrorComesWithTheContainers() throws IOException {
    CriSandboxes sandboxes = sandboxes();
    runtime.failWhen("create-container", id -> true);
    Files.delete(tmp.resolve("hosts"));

    SandboxdException e = assertThrows(SandboxdException.class,
        () -> sandboxes.create("sb1", NETNS, options(config("web").build())));

    assertTrue(e.getMessage().contains("injected"), e.getMessage());
    assertTrue(java.util.Arrays.stream(e.getSuppressed()).anyMatch(s -> s.getMessage().contains("writing the pod files of sandbox sb1")),
        java.util.Arrays.toString(e.getSuppressed()));
    assertTrue(records.list().isEmpty(), "record");
    assertTrue(mounts.mounted.isEmpty(), "shm");
  }

  @Test
  void thePauseRunsUnderTheSeccompProfileCriAskedFor() throws IOException {
    CriSandboxes sandboxes = sandboxes();
    Path profiles = Files.createDirectories(tmp.resolve("seccomp"));
    Files.writeString(profiles.resolve("audit.json"), "{\"defaultAction\":\"SCMP_ACT_LOG\"}");

    sandboxes.create("plain", NETNS, options(config("plain").build()));
    sandboxes.create("default", NETNS, options(withSeccomp(config("default"), ProfileType.RuntimeDefault, "").build()));
    sandboxes.create("local", NETNS,
        options(withSeccomp(config("local"), ProfileType.Localhost, profiles.resolve("audit.json").toString()).build()));

    assertTrue(pauseSpec("plain").at("/linux/seccomp").isMissingNode(), "nothing asked for: none, as containerd's podsandbox");
    assertEquals("SCMP_ACT_ERRNO", pauseSpec("default").at("/linux/seccomp/defaultAction").asText());
    assertEquals("SCMP_ACT_LOG", pauseSpec("local").at("/linux/seccomp/defaultAction").asText());
  }

  @Test
  void aLocalhostProfileOutsideTheProfileRootChangesNothing() throws IOException {
    CriSandboxes sandboxes = sandboxes();
    Path outside = Files.writeString(tmp.resolve("hosts-profile.json"), "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}");

    SandboxdException.InvalidArgument e = assertThrows(SandboxdException.InvalidArgument.class, () -> sandboxes.create("sb1",
        NETNS, options(withSeccomp(config("web"), ProfileType.Localhost, outside.toString()).build())));

    assertTrue(e.getMessage().startsWith("options.linux.security_context.seccomp.localhost_ref:"), e.getMessage());
    PodSandboxConfig.Builder byPath = config("web");
    byPath.getLinuxBuilder().getSecurityContextBuilder().setSeccompProfilePath("localhost/" + outside);
    SandboxdException.InvalidArgument e2 = assertThrows(SandboxdException.InvalidArgument.class,
        () -> sandboxes.create("sb1", NETNS, options(byPath.build())));
    assertTrue(e2.getMessage().startsWith("options.linux.security_context.seccomp_profile_path:"), e2.getMessage());
    assertTrue(runtime.calls.isEmpty(), runtime.calls.toString());
    assertTrue(records.list().isEmpty());
    assertFalse(Files.exists(tmp.resolve("cri-root/sandboxes/sb1")));
  }

  private JsonNode pauseSpec(String id) throws IOException {
    return new ObjectMapper().readTree(runtime.containers.get(id).specJson());
  }

  private static PodSandboxConfig.Builder withSeccomp(PodSandboxConfig.Builder c,
      ProfileType type, String ref) {
    c.getLinuxBuilder().getSecurityContextBuilder()
        .setSeccomp(SecurityProfile.newBuilder().setProfileType(type).setLocalhostRef(ref));
    return c;
  }

  @Test
  void badConfigChangesNothing() {
    CriSandboxes sandboxes = sandboxes();
    assertThrows(SandboxdException.InvalidArgument.class, () -> sandboxes.create("sb1", "", options(config("web").build())));
    assertTrue(runtime.calls.isEmpty());
    assertTrue(records.list().isEmpty());
  }

  @Test
  void stopAndShutdownMayBeRepeatedAndWaitCompletes() throws Exception {
    CriSandboxes sandboxes = sandboxes();
    sandboxes.create("sb1", NETNS, options(config("web").build()));
    sandboxes.start("sb1");
    CompletableFuture<SandboxExit> exit = sandboxes.waitExit("sb1");

    sandboxes.stop("sb1", Duration.ZERO);
    sandboxes.stop("sb1", Duration.ZERO);
    assertTrue(exit.isDone());
    assertEquals(State.NotReady, sandboxes.status("sb1").sandbox().state());

    sandboxes.shutdown("sb1");
    sandboxes.shutdown("sb1");
    sandboxes.stop("sb1", Duration.ZERO);
    assertTrue(runtime.containers.isEmpty());
    assertTrue(records.list().isEmpty());
    assertThrows(SandboxdException.NotFound.class, () -> sandboxes.status("sb1"));
  }

  @Test
  void shutdownCompletesPendingWaits() {
    CriSandboxes sandboxes = sandboxes();
    sandboxes.create("sb1", NETNS, options(config("web").build()));
    sandboxes.start("sb1");
    CompletableFuture<SandboxExit> exit = sandboxes.waitExit("sb1");
    assertFalse(exit.isDone());

    sandboxes.shutdown("sb1");
    assertTrue(exit.isDone());
  }

  @Test
  void statusWritesAgainThePodFilesContainerdDeleted() throws IOException {
    CriSandboxes sandboxes = sandboxes();
    sandboxes.create("sb1", NETNS, options(config("web").build()));
    sandboxes.start("sb1");
    Files.delete(tmp.resolve("cri-root/sandboxes/sb1/resolv.conf"));
    Files.delete(tmp.resolve("cri-root/sandboxes/sb1/hostname"));

    sandboxes.status("sb1");

    assertEquals("web\n", Files.readString(tmp.resolve("cri-root/sandboxes/sb1/hostname")));
    assertTrue(Files.exists(tmp.resolve("cri-root/sandboxes/sb1/resolv.conf")));
  }

  @Test
  void afterARestartRecordedSandboxesAnswerAndForgottenOnesAreRemoved() throws IOException {
    CriSandboxes before = sandboxes();
    for (String id : List.of("kept", "forgotten")) {
      before.create(id, NETNS, options(config(id).build()));
      before.start(id);
    }
    Path recordFile = tmp.resolve("state/cri-sandboxes/kept.json");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(recordFile)));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(recordFile.getParent())));
    // a pause container whose record never got written
    runtime.containers.put("orphan", runtime.containers.get("kept"));

    CriSandboxes after = sandboxes();
    after.recover(List.of("kept"), List.of("kept", "forgotten", "orphan"));

    CriSandboxes.Status kept = after.status("kept");
    assertEquals(State.Ready, kept.sandbox().state());
    assertEquals("kept", kept.pod().podName());
    assertEquals(CriFixture.NOW, kept.sandbox().createdAt());
    assertFalse(after.waitExit("kept").isDone());
    assertThrows(SandboxdException.NotFound.class, () -> after.status("forgotten"));
    assertFalse(runtime.containers.containsKey("forgotten"));
    assertFalse(runtime.containers.containsKey("orphan"));
    assertFalse(Files.exists(tmp.resolve("state/cri-sandboxes/forgotten.json")));
    assertFalse(Files.exists(tmp.resolve("cri-root/sandboxes/forgotten")));
  }

  @Test
  void anUnreadableRecordKeepsItsPause() throws IOException {
    CriSandboxes before = sandboxes();
    before.create("sb1", NETNS, options(config("web").build()));
    before.start("sb1");
    Files.writeString(tmp.resolve("state/cri-sandboxes/sb1.json"), "{not json", StandardCharsets.UTF_8);

    sandboxes().recover(List.of("sb1"), List.of("sb1"));

    assertTrue(runtime.containers.containsKey("sb1"));
  }

  @Test
  void usageIsThePodCgroups() {
    CriSandboxes sandboxes = sandboxes();
    sandboxes.create("sb1", NETNS, options(config("web").build()));
    cgroupFs.set("/kubepods/besteffort/pod-web", "cpu.stat", "usage_usec 4200\nuser_usec 4000\nsystem_usec 200\n");
    cgroupFs.set("/kubepods/besteffort/pod-web", "pids.current", "3\n");

    assertEquals(4200, sandboxes.usage("sb1").cpuUsageUsec().getAsLong());
    assertEquals(3, sandboxes.usage("sb1").pidsCurrent().getAsLong());
  }
}
