package dev.sandboxd.soak;

/** The pods the soak churns, all in namespace "soak". */
final class SoakPods {
  static final String NAMESPACE = "soak";
  static final String LOGGER = "logger";
  static final String CRASHER = "crasher";
  static final String LOG_LINE = "soak line ";
  private static final String BUSYBOX = "localhost/sandboxd/busybox:1.35";

  private SoakPods() {}

  /**
   * A container that writes a log line every 0.2 s (and exits at once on SIGTERM) and one that
   * crashes after a second, so it is restarted under the default policy (Always) again and again.
   */
  static String manifest(String name) {
    return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + ", namespace: " + NAMESPACE + "}\n"
        + "spec:\n  terminationGracePeriodSeconds: 5\n  containers:\n"
        + "  - name: " + LOGGER + "\n    image: " + BUSYBOX + "\n"
        + "    command: [sh, -c, 'trap \"exit 0\" TERM; i=0; while true; do echo \"" + LOG_LINE + "$i\"; i=$((i+1)); sleep 0.2; done']\n"
        + "  - name: " + CRASHER + "\n    image: " + BUSYBOX + "\n"
        + "    command: [sh, -c, 'echo crashing; sleep 1; exit 3']\n";
  }
}
