package dev.sandboxd.spec;

import dev.sandboxd.spec.OciSpec.Seccomp;
import dev.sandboxd.spec.OciSpec.Syscall;
import dev.sandboxd.spec.OciSpec.SyscallArg;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * sandboxd's RuntimeDefault seccomp profile: the same allow-list as containerd's default
 * (contrib/seccomp, which CRI gives a RuntimeDefault container), held here as data. Everything
 * not allowed fails with EPERM; which extra syscalls are allowed depends on the architecture and
 * on the process's bounding capabilities, as in containerd. Two differences: containerd allows
 * ptrace only on kernels from 4.8 (older ones let it bypass seccomp); sandboxd's containerd 2.x
 * does not run on kernels that old, so ptrace is always in the list. And the pause's profile
 * names the machine's own ABI only ({@link #forPause}).
 */
public final class RuntimeDefaultSeccomp {

  static final String ALLOW = "SCMP_ACT_ALLOW";
  static final String ERRNO = "SCMP_ACT_ERRNO";
  static final int ENOSYS = 38;

  /** CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET: clone without them is fork/thread creation. */
  static final long CLONE_NAMESPACE_FLAGS =
      0x00020000L | 0x02000000L | 0x04000000L | 0x08000000L | 0x10000000L | 0x20000000L | 0x40000000L;

  /** Allowed for every process. */
  private static final List<String> ALWAYS = names("""
      accept accept4 access adjtimex alarm bind brk capget capset chdir chmod chown chown32
      clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64
      clock_nanosleep clock_nanosleep_time64 close close_range connect copy_file_range creat
      dup dup2 dup3 epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2
      epoll_wait epoll_wait_old eventfd eventfd2 execve execveat exit exit_group
      faccessat faccessat2 fadvise64 fadvise64_64 fallocate fanotify_mark fchdir fchmod fchmodat
      fchown fchown32 fchownat fcntl fcntl64 fdatasync fgetxattr flistxattr flock fork
      fremovexattr fsetxattr fstat fstat64 fstatat64 fstatfs fstatfs64 fsync ftruncate
      ftruncate64 futex futex_time64 futex_waitv futimesat
      getcpu getcwd getdents getdents64 getegid getegid32 geteuid geteuid32 getgid getgid32
      getgroups getgroups32 getitimer getpeername getpgid getpgrp getpid getppid getpriority
      getrandom getresgid getresgid32 getresuid getresuid32 getrlimit get_robust_list getrusage
      getsid getsockname getsockopt get_thread_area gettid gettimeofday getuid getuid32 getxattr
      inotify_add_watch inotify_init inotify_init1 inotify_rm_watch io_cancel ioctl io_destroy
      io_getevents io_pgetevents io_pgetevents_time64 ioprio_get ioprio_set io_setup io_submit
      io_uring_enter io_uring_register io_uring_setup ipc kill
      landlock_add_rule landlock_create_ruleset landlock_restrict_self lchown lchown32 lgetxattr
      link linkat listen listxattr llistxattr _llseek lremovexattr lseek lsetxattr lstat lstat64
      madvise membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod mknodat mlock
      mlock2 mlockall mmap mmap2 mprotect mq_getsetattr mq_notify mq_open mq_timedreceive
      mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink mremap msgctl msgget
      msgrcv msgsnd msync munlock munlockall munmap
      nanosleep newfstatat _newselect open openat openat2 pause pidfd_open pidfd_send_signal
      pipe pipe2 poll ppoll ppoll_time64 prctl pread64 preadv preadv2 prlimit64
      process_mrelease pselect6 pselect6_time64 ptrace pwrite64 pwritev pwritev2
      read readahead readlink readlinkat readv recv recvfrom recvmmsg recvmmsg_time64 recvmsg
      remap_file_pages removexattr rename renameat renameat2 restart_syscall rmdir rseq
      rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend
      rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo
      sched_getaffinity sched_getattr sched_getparam sched_get_priority_max
      sched_get_priority_min sched_getscheduler sched_rr_get_interval
      sched_rr_get_interval_time64 sched_setaffinity sched_setattr sched_setparam
      sched_setscheduler sched_yield seccomp select semctl semget semop semtimedop
      semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg sendto setfsgid setfsgid32
      setfsuid setfsuid32 setgid setgid32 setgroups setgroups32 setitimer setpgid setpriority
      setregid setregid32 setresgid setresgid32 setresuid setresuid32 setreuid setreuid32
      setrlimit set_robust_list setsid setsockopt set_thread_area set_tid_address setuid
      setuid32 setxattr shmat shmctl shmdt shmget shutdown sigaltstack signalfd signalfd4
      sigprocmask sigreturn socket socketcall socketpair splice stat stat64 statfs statfs64
      statx symlink symlinkat sync sync_file_range syncfs sysinfo
      tee tgkill time timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64
      timer_settime timer_settime64 timerfd_create timerfd_gettime timerfd_gettime64
      timerfd_settime timerfd_settime64 times tkill truncate truncate64
      ugetrlimit umask uname unlink unlinkat utime utimensat utimensat_time64 utimes
      vfork vmsplice wait4 waitid waitpid write writev
      """);

  /** personality(2) only with these personas: Linux, its 32-bit variants, and the query 0xffffffff. */
  private static final List<Long> PERSONAS = List.of(0x0L, 0x8L, 0x20000L, 0x20008L, 0xffffffffL);

  /** Java's os.arch → the seccomp architectures a process of that machine may use. */
  private static final Map<String, List<String>> ARCHITECTURES = Map.of(
      "amd64", List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"),
      "aarch64", List.of("SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64"),
      "s390x", List.of("SCMP_ARCH_S390", "SCMP_ARCH_S390X"),
      "riscv64", List.of("SCMP_ARCH_RISCV64"));

  /** Java's os.arch → syscalls only that architecture has. */
  private static final Map<String, List<String>> ARCH_SYSCALLS = Map.of(
      "amd64", names("arch_prctl modify_ldt"),
      "x86", names("modify_ldt"),
      "aarch64", names("arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls"),
      "arm", names("arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls"),
      "ppc64le", names("sync_file_range2 swapcontext"),
      "s390x", names("s390_pci_mmio_read s390_pci_mmio_write s390_runtime_instr"),
      "riscv64", names("riscv_flush_icache"));

  /** A bounding capability → the syscalls it makes usable, in capability order. */
  private static final Map<String, List<String>> BY_CAPABILITY = Map.ofEntries(
      Map.entry("CAP_DAC_READ_SEARCH", names("open_by_handle_at")),
      Map.entry("CAP_SYS_ADMIN", names("""
          bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie mount
          mount_setattr move_mount name_to_handle_at open_tree perf_event_open quotactl quotactl_fd
          setdomainname sethostname setns syslog umount umount2 unshare""")),
      Map.entry("CAP_SYS_BOOT", names("reboot")),
      Map.entry("CAP_SYS_CHROOT", names("chroot")),
      Map.entry("CAP_SYS_MODULE", names("delete_module init_module finit_module")),
      Map.entry("CAP_SYS_PACCT", names("acct")),
      Map.entry("CAP_SYS_PTRACE", names("kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev ptrace")),
      Map.entry("CAP_SYS_RAWIO", names("iopl ioperm")),
      Map.entry("CAP_SYS_TIME", names("settimeofday stime clock_settime clock_settime64")),
      Map.entry("CAP_SYS_TTY_CONFIG", names("vhangup")),
      Map.entry("CAP_SYSLOG", names("syslog")),
      Map.entry("CAP_BPF", names("bpf")),
      Map.entry("CAP_PERFMON", names("perf_event_open")));

  private RuntimeDefaultSeccomp() {}

  /** Java's os.arch → the machine's own seccomp architecture (its 64-bit ABI). */
  private static final Map<String, String> NATIVE_ARCHITECTURE = Map.of(
      "amd64", "SCMP_ARCH_X86_64",
      "aarch64", "SCMP_ARCH_AARCH64",
      "s390x", "SCMP_ARCH_S390X",
      "riscv64", "SCMP_ARCH_RISCV64");

  /**
   * The pause's profile: a process without capabilities, and of this machine's own ABI only. pause
   * is a native binary that never makes a 32-bit (or x32) syscall; with the other ABIs listed, as
   * in a container's profile, runc's libseccomp builds the filter for each of them, and loading it
   * took 62 instead of 48 ms of a pause's runc create + start here. Without them such a syscall
   * hits the filter's bad-architecture action (the thread is killed): stricter, not looser.
   */
  public static Seccomp forPause() {
    return PAUSE;
  }

  /** Made once: every pod's pause runs under it (the record and its lists are immutable). */
  private static final Seccomp PAUSE = pauseProfile(LinuxDefaults.ARCH);
  /** The pause's rules for every ABI of the machine, as a container's. */
  private static final Seccomp FOREIGN_PAUSE = profile(LinuxDefaults.ARCH, List.of());

  /**
   * The profile a pause of this image runs under, given the one asked for: {@link #forPause}'s
   * needs a native pause binary, so a pause image of another architecture (a 386 image on amd64,
   * or arm/v7 on arm64, which containerd's platform matching accepts) gets the same rules for
   * every ABI of the machine instead; any other profile (a Localhost one) is used as it is.
   */
  public static Seccomp forPauseImage(Seccomp asked, boolean nativeImage) {
    return nativeImage || !asked.equals(PAUSE) ? asked : FOREIGN_PAUSE;
  }

  static Seccomp pauseProfile(String arch) {
    Seccomp withEveryAbi = profile(arch, List.of());
    String nativeArch = NATIVE_ARCHITECTURE.get(arch);
    return new Seccomp(withEveryAbi.defaultAction(), withEveryAbi.defaultErrnoRet(),
        nativeArch == null ? List.of() : List.of(nativeArch), withEveryAbi.syscalls());
  }

  /**
   * The profile for a process with these bounding capabilities.
   *
   * @param arch Java's os.arch of the node (amd64, aarch64, ...); an unknown one gets no
   *     architecture list (the native one only) and no architecture-specific syscalls
   */
  public static Seccomp profile(String arch, List<String> boundingCapabilities) {
    List<Syscall> rules = new ArrayList<>();
    rules.add(allow(ALWAYS));
    for (long persona : PERSONAS) {
      rules.add(new Syscall(List.of("personality"), ALLOW, null, List.of(new SyscallArg(0, persona, 0, "SCMP_CMP_EQ"))));
    }
    List<String> archSyscalls = ARCH_SYSCALLS.getOrDefault(arch, List.of());
    if (!archSyscalls.isEmpty()) {
      rules.add(allow(archSyscalls));
    }
    for (String cap : LinuxCapabilities.KNOWN) {
      if (boundingCapabilities.contains(cap) && BY_CAPABILITY.containsKey(cap)) {
        rules.add(allow(BY_CAPABILITY.get(cap)));
      }
    }
    if (!boundingCapabilities.contains("CAP_SYS_ADMIN")) {
      // clone only without namespace flags; its flags are the 2nd argument on s390.
      int flagsArg = arch.startsWith("s390") ? 1 : 0;
      rules.add(new Syscall(List.of("clone"), ALLOW, null,
          List.of(new SyscallArg(flagsArg, CLONE_NAMESPACE_FLAGS, 0, "SCMP_CMP_MASKED_EQ"))));
      // ENOSYS rather than EPERM, so that C libraries fall back to clone (its flags cannot be checked).
      rules.add(new Syscall(List.of("clone3"), ERRNO, ENOSYS, List.of()));
    }
    return new Seccomp(ERRNO, null, ARCHITECTURES.getOrDefault(arch, List.of()), rules);
  }

  private static Syscall allow(List<String> names) {
    return new Syscall(names, ALLOW, null, List.of());
  }

  private static List<String> names(String text) {
    return List.copyOf(Arrays.asList(text.trim().split("\\s+")));
  }
}
