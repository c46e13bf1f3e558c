package dev.sandboxd.bench;

/** The pods the benchmark runs, all in namespace "bench", so leftovers are easy to spot. */
final class BenchPods {
  static final String NAMESPACE = "bench";
  static final String BUSYBOX = "localhost/sandboxd/busybox:1.35";

  private BenchPods() {}

  /** A pod of its sandbox alone: the pause task, owning the pod's namespaces. */
  static String pauseOnly(String name) {
    return header(name) + "  containers: []\n";
  }

  /** A pod with {@code count} busybox containers that sleep. */
  static String sleepers(String name, int count) {
    StringBuilder manifest = new StringBuilder(header(name)).append("  containers:\n");
    for (int i = 0; i < count; i++) {
      manifest.append("  - {name: c").append(i).append(", image: ").append(BUSYBOX)
          .append(", command: [sleep, \"3600\"]}\n");
    }
    return manifest.toString();
  }

  private static String header(String name) {
    return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + ", namespace: " + NAMESPACE + "}\nspec:\n";
  }
}
