package dev.sandboxd.cli;

import dev.sandboxd.api.v1.PullImageProgress;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What `image pull` shows. On a terminal: one line per part containerd reports (manifest,
 * config, each layer) with its state and bytes, redrawn in place; otherwise nothing until the
 * one line that says what was pulled.
 */
final class PullProgressView {
  private static final String CLEAR_LINE = "\033[2K";
  private static final long REDRAW_NANOS = 100_000_000L;

  private final PrintWriter out;
  private final boolean terminal;
  private final Map<String, String> lines = new LinkedHashMap<>();
  private int drawn;
  private long lastDraw;

  PullProgressView(PrintWriter out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  void update(PullImageProgress p, long nanoTime) {
    if (!terminal || p.hasImage() || p.getName().isEmpty()) {
      return;
    }
    lines.put(p.getName(), line(p));
    if (nanoTime - lastDraw >= REDRAW_NANOS || p.getEvent().equals("complete")) {
      draw();
      lastDraw = nanoTime;
    }
  }

  /** The last message: the pulled image. */
  void finish(PullImageProgress last, double seconds) {
    if (terminal) {
      draw();
    }
    out.printf("pulled %s %s (%s) in %.1fs%n", last.getImage().getName(), last.getImage().getDigest(),
        bytes(last.getImage().getSize()), seconds);
    out.flush();
  }

  private void draw() {
    StringBuilder b = new StringBuilder();
    if (drawn > 0) {
      b.append("\033[").append(drawn).append('A');
    }
    for (String line : lines.values()) {
      b.append('\r').append(CLEAR_LINE).append(line).append('\n');
    }
    out.print(b);
    out.flush();
    drawn = lines.size();
  }

  static String line(PullImageProgress p) {
    String amount = p.getTotal() > 0 ? bytes(p.getDone()) + " / " + bytes(p.getTotal()) : "";
    return String.format("%-40s %-12s %s", shortName(p.getName()), p.getEvent(), amount).stripTrailing();
  }

  /** Digests shortened as containerd's ctr shows them: the algorithm's first 12 hex digits. */
  static String shortName(String name) {
    int at = name.indexOf("sha256:");
    if (at >= 0 && name.length() >= at + 7 + 12) {
      return name.substring(0, at) + name.substring(at + 7, at + 7 + 12);
    }
    return name.length() > 40 ? "…" + name.substring(name.length() - 39) : name;
  }

  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    if (n < 1024 * 1024) {
      return String.format("%.1f KiB", n / 1024.0);
    }
    return String.format("%.1f MiB", n / (1024.0 * 1024));
  }
}
