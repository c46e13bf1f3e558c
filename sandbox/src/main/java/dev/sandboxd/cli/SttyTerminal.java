package dev.sandboxd.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import sun.misc.Signal;

/**
 * The local terminal through stty(1), which works on its stdin (ours, inherited): a few
 * milliseconds per call, no native code. Resizes come as SIGWINCH, which the JVM lets a handler
 * take (it neither uses nor reserves it).
 */
final class SttyTerminal implements LocalTerminal {

  @Override
  public boolean isTerminal() {
    return System.console() != null;
  }

  @Override
  public Size size() {
    // "rows columns"
    String[] rowsColumns = stty("size").trim().split("\\s+");
    if (rowsColumns.length != 2) {
      throw new IllegalStateException("stty size printed \"" + String.join(" ", rowsColumns) + "\"");
    }
    return new Size(Integer.parseInt(rowsColumns[1]), Integer.parseInt(rowsColumns[0]));
  }

  @Override
  public Restore raw() {
    String saved = stty("-g").trim();
    stty("raw", "-echo");
    return () -> stty(saved);
  }

  @Override
  public void onResize(Runnable listener) {
    Signal.handle(new Signal("WINCH"), signal -> listener.run());
  }

  private static String stty(String... args) {
    List<String> command = new ArrayList<>(List.of("stty"));
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command)
          .redirectInput(ProcessBuilder.Redirect.INHERIT)
          .redirectError(ProcessBuilder.Redirect.INHERIT)
          .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed (exit code " + p.exitValue() + ")");
      }
      return out;
    } catch (IOException e) {
      throw new IllegalStateException(String.join(" ", command) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(String.join(" ", command) + ": interrupted", e);
    }
  }
}
