package dev.sandboxd.cgroup;

import java.util.List;
import java.util.Optional;

/**
 * The cgroup2 file system, seen from its root: every cgroup is named by its path below the
 * root ("/sandboxd/pod1"), every interface file by its name ("memory.max"). All of sandboxd's
 * cgroupfs access goes through here, so the logic above it is tested against a plain directory.
 */
public interface CgroupFs {

  boolean exists(String cgroup);

  /**
   * The file's content, or empty when this cgroup has no such file (its controller is off) or
   * is gone, also when it goes while the file is read.
   */
  Optional<String> read(String cgroup, String file);

  /** Writes an interface file; the file must exist, as in cgroupfs, where writes cannot create files. */
  void write(String cgroup, String file, String value);

  /** Creates the cgroup and any missing parents; present is fine. */
  void create(String cgroup);

  /** Removes an empty cgroup; absent is fine. Waits briefly while the kernel still empties it. */
  void remove(String cgroup);

  /** The child cgroups' paths. */
  List<String> children(String cgroup);

  /** Where the cgroup is on this machine, for messages (e.g. /sys/fs/cgroup/sandboxd/pod1). */
  String describe(String cgroup);
}
