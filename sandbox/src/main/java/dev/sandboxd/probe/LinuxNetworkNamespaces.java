package dev.sandboxd.probe;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;

/** {@link NetworkNamespaces} through libc's open and setns (JNA). Needs CAP_SYS_ADMIN. */
public final class LinuxNetworkNamespaces implements NetworkNamespaces {
  private static final int O_RDONLY = 0;
  private static final int O_CLOEXEC = 0x80000;
  private static final int CLONE_NEWNET = 0x40000000;

  interface LibC extends Library {
    int open(String path, int flags);

    int setns(int fd, int nstype);

    int close(int fd);

    String strerror(int errnum);
  }

  private final LibC libc = Native.load("c", LibC.class);

  @Override
  public void enterNetworkNamespaceOf(long pid) throws IOException {
    String path = "/proc/" + pid + "/ns/net";
    int fd = libc.open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      throw new IOException("open " + path + ": " + libc.strerror(Native.getLastError()));
    }
    try {
      if (libc.setns(fd, CLONE_NEWNET) != 0) {
        throw new IOException("setns " + path + ": " + libc.strerror(Native.getLastError()));
      }
    } finally {
      libc.close(fd);
    }
  }
}
