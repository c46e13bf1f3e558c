package dev.sandboxd.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.cgroup.CgroupLimits;
import dev.sandboxd.image.ImageConfig;
import dev.sandboxd.pod.Container;
import dev.sandboxd.pod.EnvVar;
import dev.sandboxd.pod.Pod;
import dev.sandboxd.pod.PodMeta;
import dev.sandboxd.pod.PodDns;
import dev.sandboxd.pod.PodSecurityContext;
import dev.sandboxd.pod.PodSpec;
import dev.sandboxd.pod.RestartPolicy;
import dev.sandboxd.pod.ResourceRequirements;
import dev.sandboxd.pod.SecurityContext;
import dev.sandboxd.spec.OciSpec.Mount;
import dev.sandboxd.spec.OciSpec.Namespace;
import dev.sandboxd.spec.OciSpec.NamespaceType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class OciSpecsTest {

  private static final String SANDBOX_ID = "sb-0123";
  private static final int PAUSE_PID = 4242;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  // ---- fixtures ------------------------------------------------------------------------------

  private static ImageConfig image(List<String> entrypoint, List<String> cmd) {
    return new ImageConfig(entrypoint, cmd, List.of(), Optional.empty(), Optional.empty(), Optional.empty());
  }

  private static final ImageConfig BUSYBOX = image(List.of(), List.of("sh"));

  private static final ImageConfig PAUSE_IMAGE =
      new ImageConfig(
          List.of("/pause"), List.of(), List.of(), Optional.of("/"), Optional.of("65535:65535"), Optional.of("SIGTERM"));

  private static ImageConfig withUser(ImageConfig i, String user) {
    return new ImageConfig(i.entrypoint(), i.cmd(), i.env(), i.workingDir(), Optional.of(user), i.stopSignal());
  }

  private static ImageConfig withEnv(ImageConfig i, String... env) {
    return new ImageConfig(i.entrypoint(), i.cmd(), List.of(env), i.workingDir(), i.user(), i.stopSignal());
  }

  private static ImageConfig withWorkingDir(ImageConfig i, String dir) {
    return new ImageConfig(i.entrypoint(), i.cmd(), i.env(), Optional.of(dir), i.user(), i.stopSignal());
  }

  private static Container container(String name) {
    return new Container(name, "busybox:1.36", List.of(), List.of(), List.of(), Optional.empty(), List.of(), SecurityContext.EMPTY, ResourceRequirements.NONE, dev.sandboxd.pod.Supervision.NONE);
  }

  private static Container withSc(Container c, SecurityContext sc) {
    return new Container(c.name(), c.image(), c.command(), c.args(), c.env(), c.workingDir(), c.volumeMounts(), sc, c.resources(), dev.sandboxd.pod.Supervision.NONE);
  }

  private static Container withCommand(Container c, List<String> command, List<String> args) {
    return new Container(c.name(), c.image(), command, args, c.env(), c.workingDir(), c.volumeMounts(), c.securityContext(), c.resources(), dev.sandboxd.pod.Supervision.NONE);
  }

  private static Container withEnv(Container c, EnvVar... env) {
    return new Container(c.name(), c.image(), c.command(), c.args(), List.of(env), c.workingDir(), c.volumeMounts(), c.securityContext(), c.resources(), dev.sandboxd.pod.Supervision.NONE);
  }

  private static Container withWorkingDir(Container c, String dir) {
    return new Container(c.name(), c.image(), c.command(), c.args(), c.env(), Optional.of(dir), c.volumeMounts(), c.securityContext(), c.resources(), dev.sandboxd.pod.Supervision.NONE);
  }

  /** A SecurityContext built field by field; empty optionals unless set. */
  private static final class Sc {
    Optional<Long> runAsUser = Optional.empty();
    Optional<Long> runAsGroup = Optional.empty();
    Optional<Boolean> runAsNonRoot = Optional.empty();
    Optional<Boolean> readOnlyRoot = Optional.empty();
    Optional<Boolean> privileged = Optional.empty();
    Optional<Boolean> allowEscalation = Optional.empty();
    List<String> add = List.of();
    List<String> drop = List.of();

    SecurityContext build() {
      return new SecurityContext(runAsUser, runAsGroup, runAsNonRoot, readOnlyRoot, privileged, allowEscalation, add, drop);
    }
  }

  private static Pod pod(PodSecurityContext psc, boolean shareProcessNamespace, Container... containers) {
    return new Pod(
        new PodMeta("web", "default", "uid-1", Map.of(), Map.of()),
        new PodSpec(
            List.of(), List.of(containers), List.of(), RestartPolicy.Always,
            PodSpec.DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS, shareProcessNamespace, Optional.empty(), psc,
            PodDns.DEFAULT));
  }

  private static Pod pod(Container... containers) {
    return pod(PodSecurityContext.EMPTY, false, containers);
  }

  private static ContainerSpecInputs inputs(Pod pod, Container c, ImageConfig image) {
    return new ContainerSpecInputs(
        pod, c, image, SANDBOX_ID, PAUSE_PID, "/sandboxd/web/app", List.of(), "web", EtcFiles.NONE,
        LinuxCapabilities.KNOWN, 0, CgroupLimits.NONE);
  }

  private static ContainerSpecInputs inputs(Container c, ImageConfig image) {
    return inputs(pod(c), c, image);
  }

  private static ContainerSpecInputs withMounts(ContainerSpecInputs in, List<VolumeBind> binds, EtcFiles etc) {
    return new ContainerSpecInputs(
        in.pod(), in.container(), in.image(), in.sandboxId(), in.pausePid(), in.cgroupsPath(), binds,
        in.hostname(), etc, in.availableCapabilities(), in.oomScoreAdj(), in.limits());
  }

  private static OciSpec spec(Container c) {
    return OciSpecs.forContainer(inputs(c, BUSYBOX));
  }

  private static OciSpec spec(SecurityContext sc) {
    return spec(withSc(container("app"), sc));
  }

  private static OciSpec pauseSpec() {
    return OciSpecs.forPause(pauseInputs(PAUSE_IMAGE, "/sandboxd/web/pause", Optional.empty(), OciSpecs.PAUSE_OOM_SCORE_ADJ));
  }

  private static List<String> list(String csv) {
    return csv == null || csv.isEmpty() ? List.of() : Arrays.asList(csv.split(" "));
  }

  private static List<String> destinations(OciSpec spec) {
    return spec.mounts().stream().map(Mount::destination).toList();
  }

  private static Mount mount(OciSpec spec, String destination) {
    return spec.mounts().stream().filter(m -> m.destination().equals(destination)).findFirst().orElseThrow();
  }

  private static JsonNode json(OciSpec spec) throws Exception {
    return MAPPER.readTree(spec.toJson());
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      names.add(it.next());
    }
    return names;
  }

  // ---- pause ---------------------------------------------------------------------------------

  @Test
  void pauseRunsTheImageAsItsUnprivilegedUser() {
    OciSpec.Process p = pauseSpec().process();
    assertEquals(List.of("/pause"), p.args());
    assertEquals(new OciSpec.User(65535, 65535, List.of()), p.user());
    assertEquals("/", p.cwd());
    assertFalse(p.terminal());
  }

  @ParameterizedTest(name = "image user {0} -> {1}:{2}")
  @CsvSource({"'', 65535, 65535", "'1000:2000', 1000, 2000", "'1000', 1000, 0"})
  void pauseUserComesFromTheImageElse65535(String imageUser, long uid, long gid) {
    ImageConfig image = imageUser.isEmpty() ? image(List.of("/pause"), List.of()) : withUser(PAUSE_IMAGE, imageUser);
    OciSpec spec = OciSpecs.forPause(pauseInputs(image, "", Optional.empty(), OciSpecs.PAUSE_OOM_SCORE_ADJ));
    assertEquals(uid, spec.process().user().uid());
    assertEquals(gid, spec.process().user().gid());
  }

  @Test
  void pauseNamedImageUserIsRejected() {
    var in = pauseInputs(withUser(PAUSE_IMAGE, "nobody"), "", Optional.empty(), 0);
    var e = assertThrows(SandboxdException.InvalidArgument.class, () -> OciSpecs.forPause(in));
    assertTrue(e.getMessage().contains("pause image user \"nobody\""), e.getMessage());
  }

  @Test
  void pauseHasNoCapabilitiesNoNewPrivilegesAndLowOomScore() {
    OciSpec.Process p = pauseSpec().process();
    assertEquals(new OciSpec.Capabilities(List.of(), List.of(), List.of()), p.capabilities());
    assertTrue(p.noNewPrivileges());
    assertEquals(-998, p.oomScoreAdj());
  }

  @ParameterizedTest(name = "preferred {0}, sandboxd has {1} -> {2}")
  @CsvSource({"-998, 0, 0", "-998, -999, -998", "0, -500, 0", "100, 0, 100"})
  void oomScoreAdjIsNeverBelowSandboxdsOwnWhenRestricted(int preferred, int current, int expected) {
    assertEquals(expected, OciSpecs.restrictOomScoreAdj(preferred, current));
  }

  @Test
  void pauseRootIsReadOnly() {
    assertEquals(new OciSpec.Root("rootfs", true), pauseSpec().root());
  }

  @Test
  void pauseCreatesFiveNewNamespaces() {
    assertEquals(
        List.of(
            Namespace.create(NamespaceType.PID), Namespace.create(NamespaceType.IPC),
            Namespace.create(NamespaceType.UTS), Namespace.create(NamespaceType.MOUNT),
            Namespace.create(NamespaceType.NETWORK)),
        pauseSpec().linux().namespaces());
  }

  @Test
  void pauseSetsThePodHostnameAndCgroupsPath() {
    assertEquals("web", pauseSpec().hostname());
    assertEquals("/sandboxd/web/pause", pauseSpec().linux().cgroupsPath());
  }

  @Test
  void pauseAnnotationsMarkTheSandboxAndGroupThePodInOneShim() {
    assertEquals(
        Map.of(
            "io.kubernetes.cri.container-type", "sandbox",
            "io.kubernetes.cri.sandbox-id", SANDBOX_ID,
            "io.kubernetes.cri.sandbox-name", "web",
            "io.kubernetes.cri.sandbox-namespace", "default",
            "io.kubernetes.cri.sandbox-uid", "uid-1",
            "io.containerd.runc.v2.group", SANDBOX_ID),
        pauseSpec().annotations());
  }

  @Test
  void pauseDefaultMountsWithoutRunOrCgroup() {
    OciSpec spec = pauseSpec();
    assertEquals(List.of("/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys"), destinations(spec));
    assertTrue(mount(spec, "/sys").options().contains("ro"));
  }

  @Test
  void pauseDefaultMaskedAndReadonlyPathsAndDeviceRule() {
    OciSpec.Linux linux = pauseSpec().linux();
    assertTrue(linux.maskedPaths().containsAll(List.of("/proc/kcore", "/proc/keys", "/sys/firmware")));
    assertEquals(List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"), linux.readonlyPaths());
    assertEquals(List.of(new OciSpec.DeviceRule(false, "rwm")), linux.resources().devices());
  }

  @Test
  void pauseImageWithNothingToRunIsRejected() {
    var in = pauseInputs(image(List.of(), List.of()), "", Optional.empty(), 0);
    assertThrows(SandboxdException.InvalidArgument.class, () -> OciSpecs.forPause(in));
  }

  // ---- container: process ----------------------------------------------------------------------

  static Stream<Arguments> argsTable() {
    // name, container command, container args, image entrypoint, image cmd, expected argv
    return Stream.of(
        Arguments.of("command and args", "/bin/app", "-v x", "/entry", "img-cmd", "/bin/app -v x"),
        Arguments.of("command only drops image cmd", "/bin/app", "", "/entry", "img-cmd", "/bin/app"),
        Arguments.of("args only keep entrypoint", "", "-v", "/entry", "img-cmd", "/entry -v"),
        Arguments.of("neither: entrypoint and cmd", "", "", "/entry", "img-cmd --flag", "/entry img-cmd --flag"),
        Arguments.of("neither, no entrypoint: cmd", "", "", "", "sh -c true", "sh -c true"),
        Arguments.of("args only, no entrypoint", "", "echo hi", "", "sh", "echo hi"),
        Arguments.of("command replaces entrypoint", "/bin/app", "", "/entry", "", "/bin/app"),
        Arguments.of("empty-string entrypoint means none", "", "", "", "sh", "sh"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("argsTable")
  void processArgsFollowKubernetes(String name, String command, String args, String entrypoint, String cmd, String expected) {
    Container c = withCommand(container("app"), list(command), list(args));
    List<String> ep = name.startsWith("empty-string") ? List.of("") : list(entrypoint);
    assertEquals(list(expected), OciSpecs.forContainer(inputs(c, image(ep, list(cmd)))).process().args());
  }

  @Test
  void nothingToRunIsAnErrorNamingTheContainer() {
    Container c = container("app");
    var e =
        assertThrows(
            SandboxdException.InvalidArgument.class,
            () -> OciSpecs.forContainer(inputs(pod(container("first"), c), c, image(List.of(), List.of()))));
    assertTrue(e.getMessage().startsWith("spec.containers[1].command: no command specified for container \"app\""), e.getMessage());
  }

  @Test
  void envImageThenContainerOverridingByNameWithDefaultPathAndHostname() {
    ImageConfig image = withEnv(BUSYBOX, "A=image", "B=image");
    Container c = withEnv(container("app"), new EnvVar("B", "container"), new EnvVar("C", "container"));
    assertEquals(
        List.of(
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOSTNAME=web", "A=image", "B=container", "C=container"),
        OciSpecs.forContainer(inputs(c, image)).process().env());
  }

  @Test
  void imagePathReplacesTheDefaultAndContainerMayReplaceIt() {
    ImageConfig image = withEnv(BUSYBOX, "PATH=/bin", "UNSET_ME=x", "UNSET_ME");
    assertEquals(List.of("PATH=/bin", "HOSTNAME=web"), OciSpecs.forContainer(inputs(container("app"), image)).process().env());
    Container c = withEnv(container("app"), new EnvVar("PATH", "/opt/bin"), new EnvVar("HOSTNAME", "other"));
    assertEquals(List.of("PATH=/opt/bin", "HOSTNAME=other"), OciSpecs.forContainer(inputs(c, image)).process().env());
  }

  @ParameterizedTest(name = "container {0}, image {1} -> {2}")
  @CsvSource({"/work, /img, /work", "'', /img, /img", "'', '', /", "/work, '', /work"})
  void workingDirContainerThenImageThenRoot(String containerDir, String imageDir, String expected) {
    Container c = containerDir.isEmpty() ? container("app") : withWorkingDir(container("app"), containerDir);
    ImageConfig image = imageDir.isEmpty() ? BUSYBOX : withWorkingDir(BUSYBOX, imageDir);
    assertEquals(expected, OciSpecs.forContainer(inputs(c, image)).process().cwd());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    // name, container uid, container gid, pod uid, pod gid, image user, uid, gid
    "container over pod over image, 1001, 2001, 1002, 2002, 1003:2003, 1001, 2001",
    "pod over image,                  ,     , 1002, 2002, 1003:2003, 1002, 2002",
    "container uid with pod gid,  1001,     ,     , 2002, 1003:2003, 1001, 2002",
    "runAsUser alone: gid 0,      1001,     ,     ,     , 1003:2003, 1001, 0",
    "image uid:gid,                   ,     ,     ,     , 1003:2003, 1003, 2003",
    "image uid alone: gid 0,          ,     ,     ,     , 1003,      1003, 0",
    "runAsGroup with image uid,       , 2001,     ,     , 1003:2003, 1003, 2001",
    "nothing: root,                   ,     ,     ,     ,          , 0,    0",
    "named image user unused,     1001,     ,     ,     , nobody,    1001, 0",
  })
  void userPrecedence(String name, Long cUid, Long cGid, Long pUid, Long pGid, String imageUser, long uid, long gid) {
    Sc sc = new Sc();
    sc.runAsUser = Optional.ofNullable(cUid);
    sc.runAsGroup = Optional.ofNullable(cGid);
    Container c = withSc(container("app"), sc.build());
    var psc = new PodSecurityContext(Optional.ofNullable(pUid), Optional.ofNullable(pGid), Optional.empty(), List.of());
    ImageConfig image = imageUser == null ? BUSYBOX : withUser(BUSYBOX, imageUser);
    OciSpec.User user = OciSpecs.forContainer(inputs(pod(psc, false, c), c, image)).process().user();
    assertEquals(uid, user.uid());
    assertEquals(gid, user.gid());
  }

  @Test
  void supplementalGroupsBecomeSortedAdditionalGids() {
    var psc = new PodSecurityContext(Optional.empty(), Optional.empty(), Optional.empty(), List.of(300L, 100L, 300L));
    Container c = container("app");
    assertEquals(List.of(100L, 300L), OciSpecs.forContainer(inputs(pod(psc, false, c), c, BUSYBOX)).process().user().additionalGids());
  }

  @ParameterizedTest
  @CsvSource({"nobody", "app:staff", "1000:staff", "99999999999"})
  void nonNumericImageUserIsAnErrorSuggestingRunAsUser(String imageUser) {
    var e =
        assertThrows(
            SandboxdException.InvalidArgument.class,
            () -> OciSpecs.forContainer(inputs(container("app"), withUser(BUSYBOX, imageUser))));
    assertTrue(e.getMessage().startsWith("spec.containers[0]: image user \"" + imageUser + "\""), e.getMessage());
    assertTrue(e.getMessage().contains("runAsUser"), e.getMessage());
  }

  @Test
  void runAsNonRootWithUidZeroIsAnErrorNamingTheField() {
    Sc sc = new Sc();
    sc.runAsNonRoot = Optional.of(true);
    var e = assertThrows(SandboxdException.InvalidArgument.class, () -> spec(sc.build()));
    assertTrue(e.getMessage().startsWith("spec.containers[0].securityContext.runAsNonRoot:"), e.getMessage());

    var psc = new PodSecurityContext(Optional.empty(), Optional.empty(), Optional.of(true), List.of());
    Container c = container("app");
    var e2 =
        assertThrows(
            SandboxdException.InvalidArgument.class,
            () -> OciSpecs.forContainer(inputs(pod(psc, false, c), c, withUser(BUSYBOX, "0:0"))));
    assertTrue(e2.getMessage().startsWith("spec.securityContext.runAsNonRoot:"), e2.getMessage());
  }

  @Test
  void runAsNonRootWithNonZeroUidIsFine() {
    Sc sc = new Sc();
    sc.runAsNonRoot = Optional.of(true);
    sc.runAsUser = Optional.of(1000L);
    assertEquals(1000, spec(sc.build()).process().user().uid());
  }

  // ---- container: capabilities and privileges ------------------------------------------------

  private static final List<String> DEFAULT_CAPS =
      List.of(
          "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
          "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
          "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");

  static Stream<Arguments> capabilityTable() {
    List<String> defaultsPlusNetAdmin = new ArrayList<>(DEFAULT_CAPS);
    defaultsPlusNetAdmin.add("CAP_NET_ADMIN");
    List<String> defaultsWithoutChown = DEFAULT_CAPS.subList(1, DEFAULT_CAPS.size());
    List<String> allWithoutChown = LinuxCapabilities.KNOWN.subList(1, LinuxCapabilities.KNOWN.size());
    return Stream.of(
        Arguments.of("defaults", "", "", DEFAULT_CAPS),
        Arguments.of("add one", "NET_ADMIN", "", defaultsPlusNetAdmin),
        Arguments.of("add in any spelling", "cap_net_admin", "", defaultsPlusNetAdmin),
        Arguments.of("add a default again", "CHOWN", "", DEFAULT_CAPS),
        Arguments.of("drop one", "", "CHOWN", defaultsWithoutChown),
        Arguments.of("drop ALL then add", "NET_BIND_SERVICE", "ALL", List.of("CAP_NET_BIND_SERVICE")),
        Arguments.of("drop ALL", "", "all", List.of()),
        Arguments.of("add ALL then drop", "ALL", "CHOWN", allWithoutChown),
        Arguments.of("add and drop the same: dropped", "NET_ADMIN", "NET_ADMIN", DEFAULT_CAPS));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("capabilityTable")
  void capabilitiesAddAndDrop(String name, String add, String drop, List<String> expected) {
    Sc sc = new Sc();
    sc.add = list(add);
    sc.drop = list(drop);
    OciSpec.Capabilities caps = spec(sc.build()).process().capabilities();
    assertEquals(expected, caps.bounding());
    assertEquals(expected, caps.effective());
    assertEquals(expected, caps.permitted());
  }

  @Test
  void unknownCapabilityIsAnErrorNamingTheEntry() {
    Sc sc = new Sc();
    sc.drop = List.of("CHOWN", "NET_FOO");
    var e = assertThrows(SandboxdException.InvalidArgument.class, () -> spec(sc.build()));
    assertTrue(e.getMessage().startsWith("spec.containers[0].securityContext.capabilities.drop[1]: unknown capability \"NET_FOO\""), e.getMessage());
  }

  @Test
  void privilegedGetsEverythingAndNoMaskedPaths() {
    Sc sc = new Sc();
    sc.privileged = Optional.of(true);
    sc.drop = List.of("ALL");
    OciSpec spec = spec(sc.build());
    assertEquals(41, spec.process().capabilities().bounding().size());
    assertEquals(LinuxCapabilities.KNOWN, spec.process().capabilities().effective());
    assertEquals(List.of(), spec.linux().maskedPaths());
    assertEquals(List.of(), spec.linux().readonlyPaths());
    assertTrue(mount(spec, "/sys").options().contains("rw"));
    assertTrue(mount(spec, "/sys/fs/cgroup").options().contains("rw"));
    assertEquals(List.of(new OciSpec.DeviceRule(true, "rwm")), spec.linux().resources().devices());
    assertFalse(spec.process().noNewPrivileges());
  }

  /** CapBnd of the test machines: everything but CAP_SYS_RESOURCE (bit 24). */
  private static final long TEST_HOST_MASK = 0x000001fffeffffffL;

  private static OciSpec specOnTestHost(SecurityContext sc) {
    Container c = withSc(container("app"), sc);
    ContainerSpecInputs in = inputs(c, BUSYBOX);
    return OciSpecs.forContainer(
        new ContainerSpecInputs(
            in.pod(), c, BUSYBOX, SANDBOX_ID, PAUSE_PID, "", List.of(), "web", EtcFiles.NONE,
            LinuxCapabilities.fromMask(TEST_HOST_MASK), 0, CgroupLimits.NONE));
  }

  @Test
  void capabilityMaskDecodesByBitNumber() {
    List<String> caps = LinuxCapabilities.fromMask(TEST_HOST_MASK);
    assertEquals(40, caps.size());
    assertFalse(caps.contains("CAP_SYS_RESOURCE"));
    assertEquals(List.of("CAP_CHOWN", "CAP_NET_ADMIN"), LinuxCapabilities.fromMask((1L << 0) | (1L << 12) | (1L << 50)));
  }

  @Test
  void privilegedAndAddAllGrantOnlyWhatSandboxdHolds() {
    Sc privileged = new Sc();
    privileged.privileged = Optional.of(true);
    assertEquals(LinuxCapabilities.fromMask(TEST_HOST_MASK), specOnTestHost(privileged.build()).process().capabilities().bounding());
    Sc all = new Sc();
    all.add = List.of("ALL");
    assertFalse(specOnTestHost(all.build()).process().capabilities().bounding().contains("CAP_SYS_RESOURCE"));
  }

  @Test
  void addingACapabilitySandboxdLacksIsAFailedPrecondition() {
    Sc sc = new Sc();
    sc.add = List.of("NET_ADMIN", "SYS_RESOURCE");
    var e = assertThrows(SandboxdException.FailedPrecondition.class, () -> specOnTestHost(sc.build()));
    assertTrue(e.getMessage().startsWith("spec.containers[0].securityContext.capabilities.add[1]: CAP_SYS_RESOURCE"), e.getMessage());
  }

  @Test
  void unprivilegedHasDefaultMaskedPathsAndReadOnlySysfsAndCgroup() {
    OciSpec spec = spec(container("app"));
    assertEquals(LinuxDefaults.MASKED_PATHS, spec.linux().maskedPaths());
    assertEquals(LinuxDefaults.READONLY_PATHS, spec.linux().readonlyPaths());
    assertTrue(mount(spec, "/sys").options().contains("ro"));
    assertEquals(
        new Mount("/sys/fs/cgroup", "cgroup", "cgroup", List.of("nosuid", "noexec", "nodev", "relatime", "ro")),
        mount(spec, "/sys/fs/cgroup"));
    assertEquals(List.of(new OciSpec.DeviceRule(false, "rwm")), spec.linux().resources().devices());
  }

  @ParameterizedTest(name = "allowPrivilegeEscalation={0} privileged={1} -> noNewPrivileges={2}")
  @CsvSource({"false, , true", "true, , false", ", , false", "false, false, true", ", true, false"})
  void noNewPrivilegesOnlyWhenEscalationIsForbidden(Boolean allow, Boolean privileged, boolean expected) {
    Sc sc = new Sc();
    sc.allowEscalation = Optional.ofNullable(allow);
    sc.privileged = Optional.ofNullable(privileged);
    assertEquals(expected, spec(sc.build()).process().noNewPrivileges());
  }

  @ParameterizedTest
  @CsvSource({"true, true", "false, false", ", false"})
  void readOnlyRootFilesystem(Boolean readOnly, boolean expected) {
    Sc sc = new Sc();
    sc.readOnlyRoot = Optional.ofNullable(readOnly);
    assertEquals(new OciSpec.Root("rootfs", expected), spec(sc.build()).root());
  }

  @Test
  void cgroupLimitsBecomeLinuxResourcesAsRuncTakesThem() throws Exception {
    Container c = container("app");
    CgroupLimits limits = new CgroupLimits(java.util.OptionalLong.of(102), java.util.OptionalLong.of(10_000),
        java.util.OptionalLong.of(32L << 20), java.util.OptionalLong.empty(), java.util.OptionalLong.of(0));
    var in = new ContainerSpecInputs(
        pod(c), c, BUSYBOX, SANDBOX_ID, PAUSE_PID, "", List.of(), "web", EtcFiles.NONE, LinuxCapabilities.KNOWN, 0, limits);

    JsonNode resources = new ObjectMapper().readTree(OciSpecs.forContainer(in).toJson()).get("linux").get("resources");

    assertEquals("{\"shares\":102,\"quota\":10000,\"period\":100000}", resources.get("cpu").toString());
    assertEquals("{\"limit\":33554432,\"swap\":33554432}", resources.get("memory").toString(), "no swap, as CRI sets it");
    assertEquals("[{\"pageSize\":\"2MB\",\"limit\":0}]", resources.get("hugepageLimits").toString());
    JsonNode none = new ObjectMapper().readTree(spec(c).toJson()).get("linux").get("resources");
    assertEquals(List.of("devices"), iterable(none.fieldNames()), "nothing but device rules without limits: runc would write cpu.weight");
  }

  private static List<String> iterable(Iterator<String> names) {
    List<String> out = new ArrayList<>();
    names.forEachRemaining(out::add);
    return out;
  }

  @Test
  void oomScoreAdjComesFromTheInputs() {
    Container c = container("app");
    var in =
        new ContainerSpecInputs(
            pod(c), c, BUSYBOX, SANDBOX_ID, PAUSE_PID, "", List.of(), "web", EtcFiles.NONE, LinuxCapabilities.KNOWN, 500,
            CgroupLimits.NONE);
    assertEquals(500, OciSpecs.forContainer(in).process().oomScoreAdj());
    assertEquals(0, spec(c).process().oomScoreAdj());
  }

  // ---- container: namespaces, hostname, annotations ------------------------------------------

  @Test
  void joinsThePauseNamespacesWithOwnPidMountAndCgroup() {
    assertEquals(
        List.of(
            Namespace.create(NamespaceType.PID),
            Namespace.join(NamespaceType.IPC, "/proc/4242/ns/ipc"),
            Namespace.join(NamespaceType.UTS, "/proc/4242/ns/uts"),
            Namespace.create(NamespaceType.MOUNT),
            Namespace.join(NamespaceType.NETWORK, "/proc/4242/ns/net"),
            Namespace.create(NamespaceType.CGROUP)),
        spec(container("app")).linux().namespaces());
  }

  @Test
  void sharedProcessNamespaceJoinsThePausePid() {
    Container c = container("app");
    OciSpec spec = OciSpecs.forContainer(inputs(pod(PodSecurityContext.EMPTY, true, c), c, BUSYBOX));
    assertEquals(Optional.of(Namespace.join(NamespaceType.PID, "/proc/4242/ns/pid")), spec.linux().namespace(NamespaceType.PID));
    assertEquals(Optional.of(Namespace.create(NamespaceType.MOUNT)), spec.linux().namespace(NamespaceType.MOUNT));
  }

  @Test
  void mountNamespaceIsNewEvenWhenPrivileged() {
    Sc sc = new Sc();
    sc.privileged = Optional.of(true);
    assertEquals(Optional.of(Namespace.create(NamespaceType.MOUNT)), spec(sc.build()).linux().namespace(NamespaceType.MOUNT));
  }

  @Test
  void hostnameIsLeftToThePauseUtsNamespace() {
    assertEquals("", spec(container("app")).hostname());
  }

  @Test
  void annotationsNameTheContainerAndItsSandbox() {
    Map<String, String> expected =
        Map.of(
            "io.kubernetes.cri.container-type", "container",
            "io.kubernetes.cri.container-name", "app",
            "io.kubernetes.cri.image-name", "busybox:1.36",
            "io.kubernetes.cri.sandbox-id", SANDBOX_ID,
            "io.kubernetes.cri.sandbox-name", "web",
            "io.kubernetes.cri.sandbox-namespace", "default",
            "io.kubernetes.cri.sandbox-uid", "uid-1",
            "io.containerd.runc.v2.group", SANDBOX_ID);
    assertEquals(expected, spec(container("app")).annotations());
    assertEquals("/sandboxd/web/app", spec(container("app")).linux().cgroupsPath());
  }

  // ---- container: mounts ---------------------------------------------------------------------

  private static final List<String> DEFAULT_DESTINATIONS =
      List.of("/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup");

  private static OciSpec specWithMounts(SecurityContext sc, List<VolumeBind> binds, EtcFiles etc) {
    Container c = withSc(container("app"), sc);
    return OciSpecs.forContainer(withMounts(inputs(c, BUSYBOX), binds, etc));
  }

  private static final EtcFiles ETC =
      new EtcFiles(Optional.of("/pods/web/hostname"), Optional.of("/pods/web/hosts"), Optional.of("/pods/web/resolv.conf"));

  @Test
  void defaultMountsOnly() {
    assertEquals(DEFAULT_DESTINATIONS, destinations(spec(container("app"))));
  }

  @Test
  void volumeBindsWithReadOnlyOption() {
    OciSpec spec =
        specWithMounts(
            SecurityContext.EMPTY,
            List.of(new VolumeBind("/vol/data", "/data", false), new VolumeBind("/vol/cfg", "/etc/app", true)),
            EtcFiles.NONE);
    assertEquals(new Mount("/data", "bind", "/vol/data", List.of("rbind", "rprivate", "rw")), mount(spec, "/data"));
    assertEquals(new Mount("/etc/app", "bind", "/vol/cfg", List.of("rbind", "rprivate", "ro")), mount(spec, "/etc/app"));
  }

  @Test
  void defaultsThenBindsParentsBeforeChildrenVolumesBeforeEtcFiles() {
    OciSpec spec =
        specWithMounts(
            SecurityContext.EMPTY,
            List.of(
                new VolumeBind("/vol/sub", "/data/sub", false),
                new VolumeBind("/vol/logs", "/var/log", false),
                new VolumeBind("/vol/data", "/data", false)),
            ETC);
    List<String> expected = new ArrayList<>(DEFAULT_DESTINATIONS);
    expected.addAll(List.of("/data", "/data/sub", "/var/log", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf"));
    assertEquals(expected, destinations(spec));
    assertEquals(new Mount("/etc/hosts", "bind", "/pods/web/hosts", List.of("rbind", "rprivate", "rw")), mount(spec, "/etc/hosts"));
  }

  @Test
  void hostnameAndResolvConfAreReadOnlyWithAReadOnlyRootHostsNever() {
    Sc sc = new Sc();
    sc.readOnlyRoot = Optional.of(true);
    OciSpec readOnly = specWithMounts(sc.build(), List.of(), ETC);
    assertEquals(List.of("rbind", "rprivate", "ro"), mount(readOnly, "/etc/resolv.conf").options());
    assertEquals(List.of("rbind", "rprivate", "ro"), mount(readOnly, "/etc/hostname").options());
    assertEquals(List.of("rbind", "rprivate", "rw"), mount(readOnly, "/etc/hosts").options());
    OciSpec writable = specWithMounts(SecurityContext.EMPTY, List.of(), ETC);
    for (String file : List.of("/etc/hostname", "/etc/hosts", "/etc/resolv.conf")) {
      assertEquals(List.of("rbind", "rprivate", "rw"), mount(writable, file).options(), file);
    }
  }

  @Test
  void absentEtcFilesAreNotBound() {
    var etc = new EtcFiles(Optional.empty(), Optional.of("/pods/web/hosts"), Optional.empty());
    List<String> destinations = destinations(specWithMounts(SecurityContext.EMPTY, List.of(), etc));
    assertTrue(destinations.contains("/etc/hosts"));
    assertFalse(destinations.contains("/etc/hostname"));
    assertFalse(destinations.contains("/etc/resolv.conf"));
  }

  @Test
  void volumeReplacesDefaultMountAndPodEtcFile() {
    OciSpec spec =
        specWithMounts(
            SecurityContext.EMPTY,
            List.of(new VolumeBind("/pods/web/shm", "/dev/shm", false), new VolumeBind("/vol/hosts", "/etc/hosts", true)),
            ETC);
    assertEquals(List.of(new Mount("/dev/shm", "bind", "/pods/web/shm", List.of("rbind", "rprivate", "rw"))),
        spec.mounts().stream().filter(m -> m.destination().equals("/dev/shm")).toList());
    assertEquals(List.of("/vol/hosts"),
        spec.mounts().stream().filter(m -> m.destination().equals("/etc/hosts")).map(Mount::source).toList());
  }

  @Test
  void volumeOnDevReplacesEverythingUnderDev() {
    OciSpec spec = specWithMounts(SecurityContext.EMPTY, List.of(new VolumeBind("/host/dev", "/dev", false)), EtcFiles.NONE);
    assertEquals(List.of("/proc", "/sys", "/sys/fs/cgroup", "/dev"), destinations(spec));
  }

  // ---- purity and JSON ---------------------------------------------------------------------------

  @Test
  void sameInputsGiveEqualSpecsAndBytes() {
    ContainerSpecInputs in = withMounts(inputs(container("app"), BUSYBOX), List.of(new VolumeBind("/v", "/v", true)), ETC);
    assertEquals(OciSpecs.forContainer(in), OciSpecs.forContainer(in));
    assertArrayEquals(OciSpecs.forContainer(in).toJson(), OciSpecs.forContainer(in).toJson());
  }

  @Test
  void containerJsonUsesRuntimeSpecNames() throws Exception {
    Container c = container("app");
    Sc sc = new Sc();
    sc.runAsUser = Optional.of(1000L);
    c = withSc(c, sc.build());
    var psc = new PodSecurityContext(Optional.empty(), Optional.empty(), Optional.empty(), List.of(5L));
    JsonNode json = json(OciSpecs.forContainer(inputs(pod(psc, true, c), c, BUSYBOX)));

    assertEquals(List.of("ociVersion", "process", "root", "mounts", "annotations", "linux"), fieldNames(json));
    assertEquals("1.1.0", json.path("ociVersion").asText());
    JsonNode process = json.path("process");
    assertEquals(
        List.of("terminal", "user", "args", "env", "cwd", "capabilities", "noNewPrivileges", "oomScoreAdj"),
        fieldNames(process));
    assertEquals(1000, process.path("user").path("uid").asInt());
    assertEquals(0, process.path("user").path("gid").asInt());
    assertEquals(5, process.path("user").path("additionalGids").path(0).asInt());
    assertEquals("sh", process.path("args").path(0).asText());
    assertEquals("CAP_CHOWN", process.path("capabilities").path("bounding").path(0).asText());
    assertEquals(List.of("bounding", "effective", "permitted"), fieldNames(process.path("capabilities")));
    assertFalse(process.path("noNewPrivileges").asBoolean(true));
    assertEquals("rootfs", json.path("root").path("path").asText());
    assertFalse(json.path("root").path("readonly").asBoolean(true));
    assertFalse(json.has("hostname"));

    JsonNode proc = json.path("mounts").path(0);
    assertEquals(List.of("destination", "type", "source", "options"), fieldNames(proc));
    assertEquals("/proc", proc.path("destination").asText());

    List<String> annotationKeys = fieldNames(json.path("annotations"));
    assertEquals(annotationKeys.stream().sorted().toList(), annotationKeys);
    assertEquals(SANDBOX_ID, json.path("annotations").path("io.containerd.runc.v2.group").asText());

    JsonNode linux = json.path("linux");
    assertEquals(List.of("namespaces", "cgroupsPath", "resources", "maskedPaths", "readonlyPaths", "seccomp"), fieldNames(linux));
    assertEquals("pid", linux.path("namespaces").path(0).path("type").asText());
    assertEquals("/proc/4242/ns/pid", linux.path("namespaces").path(0).path("path").asText());
    assertEquals("mount", linux.path("namespaces").path(3).path("type").asText());
    assertFalse(linux.path("namespaces").path(3).has("path"));
    assertEquals("/sandboxd/web/app", linux.path("cgroupsPath").asText());
    assertFalse(linux.path("resources").path("devices").path(0).path("allow").asBoolean(true));
    assertEquals("rwm", linux.path("resources").path("devices").path(0).path("access").asText());
    assertEquals("/proc/acpi", linux.path("maskedPaths").path(0).asText());
  }

  @Test
  void pauseJsonKeepsAnEmptyCapabilitiesObject() throws Exception {
    JsonNode json = json(pauseSpec());
    assertEquals("web", json.path("hostname").asText());
    assertTrue(json.path("process").has("capabilities"));
    assertEquals(0, json.path("process").path("capabilities").size());
    assertTrue(json.path("process").path("noNewPrivileges").asBoolean());
    assertEquals(-998, json.path("process").path("oomScoreAdj").asInt());
    assertEquals(65535, json.path("process").path("user").path("uid").asInt());
    assertFalse(json.path("process").path("user").has("additionalGids"));
    assertFalse(json.path("process").has("env"));
    assertTrue(json.path("root").path("readonly").asBoolean());
    for (JsonNode ns : json.path("linux").path("namespaces")) {
      assertFalse(ns.has("path"), ns.toString());
    }
  }

  @Test
  void pauseOfAPodOnTheNodesNamespacesListsNoneOfThemAndSetsItsSysctls() {
    PauseSpecInputs base = pauseInputs(PAUSE_IMAGE, "", Optional.empty(), 0);
    PauseSpecInputs host = new PauseSpecInputs(base.podNamespace(), base.podName(), base.podUid(), base.sandboxId(),
        base.image(), "", "web", Optional.empty(), 0,
        java.util.Set.of(HostNamespace.NETWORK, HostNamespace.PID, HostNamespace.IPC), java.util.Map.of("kernel.shm_rmid_forced", "1"),
        Optional.empty());

    OciSpec spec = OciSpecs.forPause(host);

    assertEquals(List.of(OciSpec.NamespaceType.MOUNT),
        spec.linux().namespaces().stream().map(OciSpec.Namespace::type).toList(), "host network brings the host's UTS too");
    assertEquals("", spec.hostname(), "no hostname without a UTS namespace of its own");
    assertEquals(java.util.Map.of("kernel.shm_rmid_forced", "1"), spec.linux().sysctl());
    assertNull(spec.linux().seccomp(), "no filter asked for, none set");
    assertNotNull(OciSpecs.forPause(base).linux().seccomp(), "sandboxd's own pauses run under RuntimeDefault");
  }

  private static PauseSpecInputs pauseInputs(ImageConfig image, String cgroupsPath, Optional<String> netns, int oomScoreAdj) {
    Pod pod = pod(container("app"));
    return new PauseSpecInputs(pod.metadata().namespace(), pod.metadata().name(), pod.metadata().uid(), SANDBOX_ID, image,
        cgroupsPath, "web", netns, oomScoreAdj);
  }

  @Test
  void pauseJoinsAGivenNetworkNamespaceInsteadOfMakingOne() {
    OciSpec spec = OciSpecs.forPause(pauseInputs(PAUSE_IMAGE, "", Optional.of("/run/netns/cni-1"), 0));

    assertTrue(spec.linux().namespaces().contains(OciSpec.Namespace.join(OciSpec.NamespaceType.NETWORK, "/run/netns/cni-1")),
        spec.linux().namespaces().toString());
    assertEquals(1, spec.linux().namespaces().stream().filter(n -> n.type() == OciSpec.NamespaceType.NETWORK).count());
  }
}
