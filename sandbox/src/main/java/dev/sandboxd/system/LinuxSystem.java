package dev.sandboxd.system;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@link Mounts}, {@link PathHandles} and {@link Fifos} through libc (JNA). Needs root and Linux. */
public final class LinuxSystem implements Mounts, PathHandles, Fifos {
  private static final int MNT_DETACH = 2;
  private static final int UMOUNT_NOFOLLOW = 8;
  private static final int MS_NOSUID = 2;
  private static final int MS_NODEV = 4;
  private static final int MS_NOEXEC = 8;
  private static final int MS_BIND = 4096;
  private static final int EINVAL = 22;
  private static final int ENOENT = 2;
  private static final int EEXIST = 17;
  private static final int O_RDONLY = 0;
  private static final int O_PATH = 010000000;
  private static final int O_CLOEXEC = 02000000;
  // These two differ between architectures (asm-generic vs. arm64's own).
  private static final boolean ARM64 = System.getProperty("os.arch").equals("aarch64");
  private static final int O_DIRECTORY = ARM64 ? 040000 : 0200000;
  private static final int O_NOFOLLOW = ARM64 ? 0100000 : 0400000;
  private static final int AT_SYMLINK_NOFOLLOW = 0x100;
  private static final int AT_EMPTY_PATH = 0x1000;
  private static final int STATX_TYPE = 1;
  private static final int STATX_SIZE = 256;
  private static final int STATX_MODE_OFFSET = 28;
  private static final int S_IFMT = 0170000;

  interface LibC extends Library {
    int mount(String source, String target, String fstype, long flags, String data);

    int umount2(String target, int flags);

    int mkfifo(String path, int mode);

    int openat(int dirfd, String path, int flags, int mode);

    int mkdirat(int dirfd, String path, int mode);

    int fchmod(int fd, int mode);

    int statx(int dirfd, String path, int flags, int mask, Pointer statxbuf);

    int close(int fd);

    String strerror(int errnum);
  }

  private final LibC libc = Native.load("c", LibC.class);

  @Override
  public void mountTmpfs(Path target, Optional<Long> sizeBytes) throws IOException {
    String data = "mode=0777" + sizeBytes.map(s -> ",size=" + s).orElse("");
    if (libc.mount("tmpfs", target.toString(), "tmpfs", MS_NOSUID | MS_NODEV, data) != 0) {
      throw failure("mount tmpfs on " + target);
    }
  }

  @Override
  public void mountShm(Path target, long sizeBytes) throws IOException {
    if (libc.mount("shm", target.toString(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=" + sizeBytes) != 0) {
      throw failure("mount shm on " + target);
    }
  }

  @Override
  public void unmountIfMounted(Path target) throws IOException {
    if (!isMountPoint(target)) {
      return;
    }
    if (libc.umount2(target.toString(), MNT_DETACH | UMOUNT_NOFOLLOW) != 0) {
      int errno = Native.getLastError();
      if (errno != EINVAL && errno != ENOENT) {
        throw new IOException("umount " + target + ": " + libc.strerror(errno));
      }
    }
  }

  @Override
  public boolean isMountPoint(Path path) throws IOException {
    String wanted = path.toAbsolutePath().normalize().toString();
    return mountPoints().stream().anyMatch(p -> p.toString().equals(wanted));
  }

  @Override
  public List<Path> mountPointsUnder(Path dir) throws IOException {
    Path top = dir.toAbsolutePath().normalize();
    List<Path> under = new ArrayList<>();
    for (Path p : mountPoints()) {
      if (p.startsWith(top)) {
        under.add(0, p);
      }
    }
    return under;
  }

  /** Mount points in mountinfo's order (a mount on top of another comes after it). */
  private static List<Path> mountPoints() throws IOException {
    List<Path> points = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] fields = line.split(" ");
      if (fields.length > 4) {
        points.add(Path.of(unescape(fields[4])));
      }
    }
    return points;
  }

  @Override
  public void create(Path path) throws IOException {
    if (libc.mkfifo(path.toString(), 0600) != 0) {
      throw failure("mkfifo " + path);
    }
  }

  @Override
  public Handle openDirectory(Path dir) throws IOException {
    int fd = libc.openat(-100 /* AT_FDCWD */, dir.toString(), O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0) {
      throw failure("open " + dir);
    }
    return new Fd(fd, Kind.DIRECTORY);
  }

  @Override
  public Handle openChild(Handle dir, String name) throws IOException {
    requireName(name);
    int fd = libc.openat(fd(dir), name, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd < 0) {
      int errno = Native.getLastError();
      if (errno == ENOENT) {
        throw new NoSuchFileException(name);
      }
      throw new IOException("open " + name + ": " + libc.strerror(errno));
    }
    try (Memory statx = new Memory(STATX_SIZE)) {
      if (libc.statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_TYPE, statx) != 0) {
        IOException e = failure("statx " + name);
        libc.close(fd);
        throw e;
      }
      return new Fd(fd, kind(statx.getShort(STATX_MODE_OFFSET) & S_IFMT));
    }
  }

  @Override
  public void makeDirectory(Handle dir, String name, int mode) throws IOException {
    requireName(name);
    if (libc.mkdirat(fd(dir), name, mode) != 0) {
      int errno = Native.getLastError();
      if (errno == EEXIST) {
        return;
      }
      throw new IOException("mkdir " + name + ": " + libc.strerror(errno));
    }
    // mkdirat applies the umask; the mode is set on what was opened without following a symlink
    // (a path-based chmod could be redirected by a symlink swapped in meanwhile).
    int fd = libc.openat(fd(dir), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd < 0) {
      throw failure("open " + name);
    }
    try {
      if (libc.fchmod(fd, mode) != 0) {
        throw failure("chmod " + name);
      }
    } finally {
      libc.close(fd);
    }
  }

  @Override
  public void bindMount(Handle source, Path target) throws IOException {
    // The magic link names the open file itself, so nothing on the way can be swapped.
    if (libc.mount("/proc/self/fd/" + fd(source), target.toString(), null, MS_BIND, null) != 0) {
      throw failure("bind mount onto " + target);
    }
  }

  private static Kind kind(int format) {
    switch (format) {
      case 0040000:
        return Kind.DIRECTORY;
      case 0100000:
        return Kind.FILE;
      case 0120000:
        return Kind.SYMLINK;
      default:
        return Kind.OTHER;
    }
  }

  private static void requireName(String name) {
    if (name.isEmpty() || name.equals(".") || name.equals("..") || name.contains("/")) {
      throw new IllegalArgumentException("not a single path component: \"" + name + "\"");
    }
  }

  private static int fd(Handle handle) {
    return ((Fd) handle).fd;
  }

  private final class Fd implements Handle {
    private final int fd;
    private final Kind kind;

    Fd(int fd, Kind kind) {
      this.fd = fd;
      this.kind = kind;
    }

    @Override
    public Kind kind() {
      return kind;
    }

    @Override
    public void close() {
      libc.close(fd);
    }
  }

  private IOException failure(String what) {
    return new IOException(what + ": " + libc.strerror(Native.getLastError()));
  }

  /** mountinfo escapes space, tab, newline and backslash as octal. */
  private static String unescape(String field) {
    return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
  }
}
