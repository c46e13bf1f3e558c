package dev.sandboxd.system;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** {@link Mounts} and {@link Fifos} through libc (JNA). Needs root and Linux. */
public final class LinuxSystem implements Mounts, Fifos {
  private static final int MNT_DETACH = 2;
  private static final int MS_NOSUID = 2;
  private static final int MS_NODEV = 4;
  private static final int EINVAL = 22;
  private static final int ENOENT = 2;

  interface LibC extends Library {
    int mount(String source, String target, String fstype, long flags, String data);

    int umount2(String target, int flags);

    int mkfifo(String path, int mode);

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
  public void unmountIfMounted(Path target) throws IOException {
    if (!isMountPoint(target)) {
      return;
    }
    if (libc.umount2(target.toString(), MNT_DETACH) != 0) {
      int errno = Native.getLastError();
      if (errno != EINVAL && errno != ENOENT) {
        throw new IOException("umount " + target + ": " + libc.strerror(errno));
      }
    }
  }

  @Override
  public boolean isMountPoint(Path path) throws IOException {
    String wanted = path.toAbsolutePath().normalize().toString();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] fields = line.split(" ");
      if (fields.length > 4 && unescape(fields[4]).equals(wanted)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void create(Path path) throws IOException {
    if (libc.mkfifo(path.toString(), 0600) != 0) {
      throw failure("mkfifo " + path);
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
