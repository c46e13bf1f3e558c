package dev.sandboxd.cri;

/**
 * The container log format CRI writes (kubelet's pkg/kubelet/kuberuntime/logs): one line per
 * record, {@code <RFC3339Nano time> <stdout|stderr> <P|F> <text>}, where P marks a partial line
 * continued by the next record and F a full one.
 */
public final class CriLogFormat {
  private CriLogFormat() {}

  /** What the container wrote, record by record; a line that is not a record passes as it is. */
  public static String text(String log) {
    StringBuilder out = new StringBuilder();
    for (String record : log.split("\n", -1)) {
      if (record.isEmpty()) {
        continue;
      }
      String[] parts = record.split(" ", 4);
      if (parts.length < 3 || !(parts[1].equals("stdout") || parts[1].equals("stderr"))
          || !(parts[2].equals("P") || parts[2].equals("F"))) {
        out.append(record).append('\n');
        continue;
      }
      out.append(parts.length == 4 ? parts[3] : "");
      if (parts[2].equals("F")) {
        out.append('\n');
      }
    }
    return out.toString();
  }
}
