package dev.sandboxd.sandboxer;

import static dev.sandboxd.sandboxer.CriConfigs.NETNS;
import static dev.sandboxd.sandboxer.CriConfigs.config;
import static dev.sandboxd.sandboxer.CriConfigs.options;
import static dev.sandboxd.sandboxer.CriConfigs.withNamespaces;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.spec.HostNamespace;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import runtime.v1.Api.NamespaceMode;
import runtime.v1.Api.NamespaceOption;
import runtime.v1.Api.PodSandboxConfig;
import runtime.v1.Api.SecurityProfile;
import runtime.v1.Api.SecurityProfile.ProfileType;
import runtime.v1.Api.UserNamespace;

class CriSandboxConfigsTest {

  @Test
  void readsWhatSandboxdActsOn() {
    CriPodSandbox pod = CriSandboxConfigs.parse("sb1", NETNS, options(config("web").build())).pod();

    assertEquals("sb1", pod.id());
    assertEquals(List.of("default", "web", "uid-web", 1),
        List.of(pod.podNamespace(), pod.podName(), pod.podUid(), pod.attempt()));
    assertEquals("web", pod.hostname());
    assertEquals(NETNS, pod.netnsPath());
    assertEquals(List.of("10.96.0.10"), pod.dns().servers());
    assertEquals(List.of("default.svc.cluster.local", "svc.cluster.local"), pod.dns().searches());
    assertEquals(List.of("ndots:5"), pod.dns().options());
    assertEquals(Map.of("net.ipv4.ip_unprivileged_port_start", "0"), pod.sysctls());
    assertEquals("/kubepods/besteffort/pod-web", pod.cgroupParent());
    assertEquals("/kubepods/besteffort/pod-web/sb1", pod.pauseCgroupsPath());
    assertEquals(Map.of("app", "web"), pod.labels());
    assertEquals(Set.of(), pod.hostNamespaces());
  }

  @Test
  void takesTheTypeUrlWithOrWithoutItsPrefix() {
    Any prefixed = Any.pack(config("web").build());
    assertEquals("type.googleapis.com/runtime.v1.PodSandboxConfig", prefixed.getTypeUrl());
    assertEquals("web", CriSandboxConfigs.parse("sb1", NETNS, prefixed).pod().podName());
  }

  @Test
  void nodeNamespacesAreSharedAndHostNetworkComesWithoutNetns() {
    CriPodSandbox pod = CriSandboxConfigs.parse("sb1", "", options(
        withNamespaces(config("h"), NamespaceMode.NODE, NamespaceMode.NODE, NamespaceMode.NODE).build())).pod();
    assertEquals(Set.of(HostNamespace.NETWORK, HostNamespace.PID, HostNamespace.IPC), pod.hostNamespaces());
    assertTrue(pod.hostNetwork());

    CriPodSandbox containerPid = CriSandboxConfigs.parse("sb1", NETNS, options(
        withNamespaces(config("c"), NamespaceMode.POD, NamespaceMode.CONTAINER, NamespaceMode.POD).build())).pod();
    assertEquals(Set.of(), containerPid.hostNamespaces(), "CONTAINER pid: pause still has its own");
  }

  @Test
  void systemdSlicesGetContainerdsCgroupsPathForm() {
    PodSandboxConfig.Builder config = config("s");
    config.getLinuxBuilder().setCgroupParent("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice");
    CriPodSandbox pod = CriSandboxConfigs.parse("sb1", NETNS, options(config.build())).pod();
    assertEquals("kubepods-besteffort-pod1.slice:cri-containerd:sb1", pod.pauseCgroupsPath());
  }

  static Stream<Arguments> refusals() {
    return Stream.of(
        refusal("sandbox_id", "../x", NETNS, UnaryOperator.identity()),
        refusal("netns_path", "sb1", "relative/netns", UnaryOperator.identity()),
        refusal("netns_path", "sb1", "", UnaryOperator.identity()),
        refusal("options.metadata.name", "sb1", NETNS, c -> c.setMetadata(c.getMetadata().toBuilder().setName(""))),
        refusal("options.metadata.uid", "sb1", NETNS, c -> c.setMetadata(c.getMetadata().toBuilder().setUid(""))),
        refusal("options.hostname", "sb1", NETNS, c -> c.setHostname("Not_A_Host")),
        refusal("options.linux.sysctls", "sb1", NETNS, c -> {
          c.getLinuxBuilder().putSysctls("net/../../etc", "1");
          return c;
        }),
        refusal("options.linux.cgroup_parent", "sb1", NETNS, c -> {
          c.getLinuxBuilder().setCgroupParent("/kubepods/../../escape");
          return c;
        }),
        refusal("userns_options", "sb1", NETNS, c -> {
          c.getLinuxBuilder().getSecurityContextBuilder().setNamespaceOptions(NamespaceOption.newBuilder()
              .setUsernsOptions(UserNamespace.newBuilder().setMode(NamespaceMode.POD)));
          return c;
        }),
        refusal("netns_path", "sb1", NETNS, c -> withNamespaces(c, NamespaceMode.NODE, NamespaceMode.POD, NamespaceMode.POD)),
        refusal("options.linux.security_context.seccomp.localhost_ref", "sb1", NETNS,
            c -> withSeccomp(c, ProfileType.RuntimeDefault, "profiles/audit.json")),
        refusal("options.linux.security_context.seccomp.localhost_ref", "sb1", NETNS,
            c -> withSeccomp(c, ProfileType.Localhost, "")),
        refusal("options.linux.security_context.seccomp.localhost_ref", "sb1", NETNS,
            c -> withSeccomp(c, ProfileType.Localhost, "localhost/")),
        refusal("options.linux.security_context.seccomp_profile_path", "sb1", NETNS, c -> withProfilePath(c, "runtime/strict")),
        refusal("options.linux.security_context.seccomp_profile_path", "sb1", NETNS, c -> withProfilePath(c, "localhost/")),
        refusal("options.linux.security_context.seccomp_profile_path", "sb1", NETNS, c -> {
          c.getLinuxBuilder().getSecurityContextBuilder().setPrivileged(true);
          return withProfilePath(c, "runtime/strict"); // containerd checks the path before privileged
        }),
        refusal("options.linux.security_context.seccomp.profile_type", "sb1", NETNS, c -> {
          c.getLinuxBuilder().getSecurityContextBuilder().setSeccomp(SecurityProfile.newBuilder().setProfileTypeValue(7));
          return c;
        }));
  }

  private static Arguments refusal(String field, String id, String netns, UnaryOperator<PodSandboxConfig.Builder> edit) {
    return Arguments.of(field, id, netns, edit);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusals")
  void badInputIsRefusedNamingTheField(String field, String id, String netns, UnaryOperator<PodSandboxConfig.Builder> edit) {
    Any options = options(edit.apply(config("web")).build());
    SandboxdException.InvalidArgument e = assertThrows(SandboxdException.InvalidArgument.class,
        () -> CriSandboxConfigs.parse(id, netns, options).pod());
    assertTrue(e.getMessage().contains(field), e.getMessage());
  }

  /** containerd's podsandbox rules (internal/cri/sputil, 2.1.9) for the pause's seccomp profile. */
  static Stream<Arguments> pauseSeccompProfiles() {
    String file = "/var/lib/kubelet/seccomp/audit.json";
    PauseSeccomp localhost = PauseSeccomp.localhost(file, "options.linux.security_context.seccomp.localhost_ref");
    PauseSeccomp localhostByPath = PauseSeccomp.localhost(file, "options.linux.security_context.seccomp_profile_path");
    return Stream.of(
        Arguments.of("nothing asked for", UnaryOperator.<PodSandboxConfig.Builder>identity(), PauseSeccomp.UNCONFINED),
        Arguments.of("RuntimeDefault", edit(c -> withSeccomp(c, ProfileType.RuntimeDefault, "")), PauseSeccomp.RUNTIME_DEFAULT),
        Arguments.of("Unconfined", edit(c -> withSeccomp(c, ProfileType.Unconfined, "")), PauseSeccomp.UNCONFINED),
        Arguments.of("Localhost", edit(c -> withSeccomp(c, ProfileType.Localhost, localhost.localhostRef())), localhost),
        Arguments.of("Localhost, localhost/ prefixed",
            edit(c -> withSeccomp(c, ProfileType.Localhost, "localhost/" + localhost.localhostRef())), localhost),
        Arguments.of("privileged, whatever the profile", edit(c -> {
          withSeccomp(c, ProfileType.RuntimeDefault, "");
          c.getLinuxBuilder().getSecurityContextBuilder().setPrivileged(true);
          return c;
        }), PauseSeccomp.UNCONFINED),
        Arguments.of("path runtime/default", edit(c -> withProfilePath(c, "runtime/default")), PauseSeccomp.RUNTIME_DEFAULT),
        Arguments.of("path docker/default", edit(c -> withProfilePath(c, "docker/default")), PauseSeccomp.RUNTIME_DEFAULT),
        Arguments.of("path unconfined", edit(c -> withProfilePath(c, "unconfined")), PauseSeccomp.UNCONFINED),
        Arguments.of("path localhost/FILE", edit(c -> withProfilePath(c, "localhost/" + file)), localhostByPath),
        Arguments.of("path localhost/localhost/FILE, trimmed twice as containerd does",
            edit(c -> withProfilePath(c, "localhost/localhost/" + file)), localhostByPath),
        Arguments.of("the profile before the path", edit(c -> {
          withProfilePath(c, "runtime/default");
          return withSeccomp(c, ProfileType.Unconfined, "");
        }), PauseSeccomp.UNCONFINED));
  }

  private static UnaryOperator<PodSandboxConfig.Builder> edit(UnaryOperator<PodSandboxConfig.Builder> edit) {
    return edit;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("pauseSeccompProfiles")
  void pauseSeccompIsWhatContainerdsPodsandboxWouldGive(String name, UnaryOperator<PodSandboxConfig.Builder> edit,
      PauseSeccomp expected) {
    assertEquals(expected, CriSandboxConfigs.parse("sb1", NETNS, options(edit.apply(config("web")).build())).pauseSeccomp());
  }

  private static PodSandboxConfig.Builder withSeccomp(PodSandboxConfig.Builder c, ProfileType type, String ref) {
    c.getLinuxBuilder().getSecurityContextBuilder().setSeccomp(SecurityProfile.newBuilder().setProfileType(type).setLocalhostRef(ref));
    return c;
  }

  @SuppressWarnings("deprecation")
  private static PodSandboxConfig.Builder withProfilePath(PodSandboxConfig.Builder c, String path) {
    c.getLinuxBuilder().getSecurityContextBuilder().setSeccompProfilePath(path);
    return c;
  }

  @Test
  void optionsOfAnotherTypeOrUnparsableAreRefused() {
    Any other = Any.newBuilder().setTypeUrl("runtime.v1.ContainerConfig").setValue(ByteString.EMPTY).build();
    assertTrue(assertThrows(SandboxdException.InvalidArgument.class, () -> CriSandboxConfigs.parse("sb1", NETNS, other).pod())
        .getMessage().startsWith("options: type \"runtime.v1.ContainerConfig\""));
    Any garbage = Any.newBuilder().setTypeUrl("runtime.v1.PodSandboxConfig").setValue(ByteString.copyFromUtf8("\u00ff\u00ff")).build();
    assertTrue(assertThrows(SandboxdException.InvalidArgument.class, () -> CriSandboxConfigs.parse("sb1", NETNS, garbage).pod())
        .getMessage().startsWith("options: not a runtime.v1.PodSandboxConfig"));
  }
}
