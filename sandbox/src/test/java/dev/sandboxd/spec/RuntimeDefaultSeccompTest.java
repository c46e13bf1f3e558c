package dev.sandboxd.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.spec.OciSpec.Seccomp;
import dev.sandboxd.spec.OciSpec.Syscall;
import dev.sandboxd.spec.OciSpec.SyscallArg;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class RuntimeDefaultSeccompTest {

  private static final List<String> DEFAULT_CAPS = LinuxCapabilities.DEFAULTS;

  private static boolean allowsUnconditionally(Seccomp s, String name) {
    return s.syscalls().stream()
        .anyMatch(r -> r.names().contains(name) && r.action().equals("SCMP_ACT_ALLOW") && r.args().isEmpty());
  }

  private static Optional<Syscall> rule(Seccomp s, String name, String action) {
    return s.syscalls().stream().filter(r -> r.names().contains(name) && r.action().equals(action)).findFirst();
  }

  @Test
  void everythingNotListedFailsWithThePlainErrno() {
    Seccomp s = RuntimeDefaultSeccomp.profile("amd64", DEFAULT_CAPS);
    assertEquals("SCMP_ACT_ERRNO", s.defaultAction());
    assertNull(s.defaultErrnoRet(), "EPERM, runc's default for SCMP_ACT_ERRNO");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "amd64,   SCMP_ARCH_X86_64 SCMP_ARCH_X86 SCMP_ARCH_X32",
    "aarch64, SCMP_ARCH_ARM SCMP_ARCH_AARCH64",
    "s390x,   SCMP_ARCH_S390 SCMP_ARCH_S390X",
    "riscv64, SCMP_ARCH_RISCV64",
    "ppc64le, ''",
  })
  void architecturesFollowTheNodesArch(String arch, String expected) {
    List<String> want = expected.isEmpty() ? List.of() : List.of(expected.split(" "));
    assertEquals(want, RuntimeDefaultSeccomp.profile(arch, DEFAULT_CAPS).architectures());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "amd64,   SCMP_ARCH_X86_64",
    "aarch64, SCMP_ARCH_AARCH64",
    "s390x,   SCMP_ARCH_S390X",
    "riscv64, SCMP_ARCH_RISCV64",
    "ppc64le, ''",
  })
  void thePauseIsConfinedToTheMachinesOwnAbiWithAContainersRulesOtherwise(String arch, String expected) {
    Seccomp pause = RuntimeDefaultSeccomp.pauseProfile(arch);
    Seccomp container = RuntimeDefaultSeccomp.profile(arch, List.of());
    assertEquals(expected.isEmpty() ? List.of() : List.of(expected), pause.architectures());
    assertEquals(container.syscalls(), pause.syscalls());
    assertEquals(container.defaultAction(), pause.defaultAction());
    assertEquals(container.defaultErrnoRet(), pause.defaultErrnoRet());
  }

  @Test
  void aForeignPauseImageGetsThePauseRulesForEveryAbiAndAnyOtherProfileStaysAsAsked() {
    Seccomp pause = RuntimeDefaultSeccomp.forPause();
    assertSame(pause, RuntimeDefaultSeccomp.forPauseImage(pause, true));
    Seccomp foreign = RuntimeDefaultSeccomp.forPauseImage(pause, false);
    assertEquals(RuntimeDefaultSeccomp.profile(System.getProperty("os.arch"), List.of()), foreign);
    Seccomp localhost = new Seccomp("SCMP_ACT_ALLOW", null, List.of("SCMP_ARCH_X86_64"), List.of());
    assertSame(localhost, RuntimeDefaultSeccomp.forPauseImage(localhost, false));
  }

  @ParameterizedTest(name = "{0} allows {1}: {2}")
  @CsvSource({
    "amd64,   arch_prctl,  true",
    "amd64,   modify_ldt,  true",
    "amd64,   set_tls,     false",
    "aarch64, set_tls,     true",
    "aarch64, arch_prctl,  false",
    "s390x,   s390_runtime_instr, true",
  })
  void architectureSpecificSyscalls(String arch, String syscall, boolean allowed) {
    assertEquals(allowed, allowsUnconditionally(RuntimeDefaultSeccomp.profile(arch, DEFAULT_CAPS), syscall));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"read", "write", "execve", "futex", "clock_gettime", "socket", "ptrace", "io_uring_setup", "rseq"})
  void commonSyscallsAreAllowed(String syscall) {
    assertTrue(allowsUnconditionally(RuntimeDefaultSeccomp.profile("amd64", DEFAULT_CAPS), syscall));
  }

  /** The unshare/keyctl class: namespaces, mounts, keyrings, modules, clock, reboot, bpf. */
  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "unshare", "setns", "mount", "umount2", "keyctl", "add_key", "request_key", "init_module", "reboot",
    "bpf", "perf_event_open", "clock_settime", "chroot", "open_by_handle_at", "userfaultfd", "kexec_load",
    "swapon", "pivot_root", "syslog"
  })
  void withDefaultCapabilitiesTheseAreRefused(String syscall) {
    Seccomp s = RuntimeDefaultSeccomp.profile("amd64", LinuxCapabilities.DEFAULTS.stream()
        .filter(c -> !c.equals("CAP_SYS_CHROOT")).toList());
    assertFalse(s.syscalls().stream().anyMatch(r -> r.names().contains(syscall) && r.action().equals("SCMP_ACT_ALLOW")),
        syscall + " is allowed");
  }

  @ParameterizedTest(name = "{0} opens {1}")
  @CsvSource({
    "CAP_SYS_ADMIN,       unshare",
    "CAP_SYS_ADMIN,       mount",
    "CAP_SYS_ADMIN,       setns",
    "CAP_SYS_ADMIN,       clone3",
    "CAP_SYS_CHROOT,      chroot",
    "CAP_SYS_PTRACE,      process_vm_readv",
    "CAP_SYS_MODULE,      finit_module",
    "CAP_SYS_TIME,        clock_settime",
    "CAP_SYS_BOOT,        reboot",
    "CAP_SYSLOG,          syslog",
    "CAP_BPF,             bpf",
    "CAP_PERFMON,         perf_event_open",
    "CAP_DAC_READ_SEARCH, open_by_handle_at",
  })
  void boundingCapabilitiesOpenTheirSyscalls(String capability, String syscall) {
    assertFalse(allowsUnconditionally(RuntimeDefaultSeccomp.profile("amd64", List.of()), syscall));
    assertTrue(allowsUnconditionally(RuntimeDefaultSeccomp.profile("amd64", List.of(capability)), syscall));
  }

  @Test
  void withoutSysAdminCloneIsAllowedOnlyWithoutNamespaceFlagsAndClone3GivesEnosys() {
    Seccomp s = RuntimeDefaultSeccomp.profile("amd64", DEFAULT_CAPS);
    Syscall clone = rule(s, "clone", "SCMP_ACT_ALLOW").orElseThrow();
    assertEquals(List.of(new SyscallArg(0, 0x7e020000L, 0, "SCMP_CMP_MASKED_EQ")), clone.args());
    Syscall clone3 = rule(s, "clone3", "SCMP_ACT_ERRNO").orElseThrow();
    assertEquals(38, clone3.errnoRet());
    assertEquals(List.of(), clone3.args());
  }

  @Test
  void onS390CloneFlagsAreTheSecondArgument() {
    Syscall clone = rule(RuntimeDefaultSeccomp.profile("s390x", List.of()), "clone", "SCMP_ACT_ALLOW").orElseThrow();
    assertEquals(1, clone.args().get(0).index());
  }

  @Test
  void withSysAdminCloneIsUnconditionalAndClone3NotRefused() {
    Seccomp s = RuntimeDefaultSeccomp.profile("amd64", List.of("CAP_SYS_ADMIN"));
    assertTrue(allowsUnconditionally(s, "clone"));
    assertTrue(rule(s, "clone3", "SCMP_ACT_ERRNO").isEmpty());
  }

  @Test
  void personalityOnlyForTheLinuxPersonas() {
    List<Long> personas = RuntimeDefaultSeccomp.profile("amd64", DEFAULT_CAPS).syscalls().stream()
        .filter(r -> r.names().equals(List.of("personality")))
        .map(r -> {
          assertEquals(1, r.args().size());
          assertEquals("SCMP_CMP_EQ", r.args().get(0).op());
          return r.args().get(0).value();
        })
        .toList();
    assertEquals(List.of(0x0L, 0x8L, 0x20000L, 0x20008L, 0xffffffffL), personas);
    assertFalse(allowsUnconditionally(RuntimeDefaultSeccomp.profile("amd64", DEFAULT_CAPS), "personality"));
  }
}
