package dev.sandboxd.spec;

import java.util.List;

/** The runtime defaults containerd starts every Linux spec from (populateDefaultUnixSpec), minus /run as CRI does. */
final class LinuxDefaults {

  static final String ROOTFS = "rootfs";

  /** The node's architecture as Java names it (amd64, aarch64, ...): which seccomp rules apply. */
  static final String ARCH = System.getProperty("os.arch");

  static final String PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  static final String CGROUP_MOUNT = "/sys/fs/cgroup";

  static final List<String> MASKED_PATHS =
      List.of(
          "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
          "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
          "/sys/devices/virtual/powercap", "/proc/scsi");

  static final List<String> READONLY_PATHS =
      List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

  /** Deny every device; runc appends its allow rules for the nodes it creates (null, zero, tty, ...). */
  static final List<OciSpec.DeviceRule> DEVICE_RULES = List.of(new OciSpec.DeviceRule(false, "rwm"));

  /** Privileged containers may use every device. */
  static final List<OciSpec.DeviceRule> ALL_DEVICES = List.of(new OciSpec.DeviceRule(true, "rwm"));

  private LinuxDefaults() {}

  /**
   * proc, /dev and what lives under it, and sysfs (read-only unless writable). /run is left out
   * as CRI does: images bring their own.
   */
  static List<OciSpec.Mount> mounts(boolean writableSysfs) {
    return List.of(
        new OciSpec.Mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")),
        new OciSpec.Mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")),
        new OciSpec.Mount(
            "/dev/pts", "devpts", "devpts",
            List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")),
        new OciSpec.Mount(
            "/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")),
        new OciSpec.Mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")),
        new OciSpec.Mount(
            "/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", writableSysfs ? "rw" : "ro")));
  }

  /**
   * The container's own cgroup2 tree, as CRI mounts it. Only with a cgroup namespace: mounting
   * cgroup2 again outside one applies these options to the host's single cgroup2 superblock.
   */
  static OciSpec.Mount cgroupMount(boolean writable) {
    return new OciSpec.Mount(
        CGROUP_MOUNT, "cgroup", "cgroup", List.of("nosuid", "noexec", "nodev", "relatime", writable ? "rw" : "ro"));
  }
}
