package dev.sandboxd.cli;

/** The terminal sandboxctl runs in, for {@code exec -t}: its size, raw mode and resizes. */
interface LocalTerminal {
  /** stdin and stdout are a terminal. */
  boolean isTerminal();

  /** Columns and rows. */
  Size size();

  /**
   * Puts the terminal in raw mode (no echo, no line editing, no signals from ^C: every key goes to
   * the remote terminal); close restores the settings it had.
   */
  Restore raw();

  /** Calls listener whenever the terminal's size changes (SIGWINCH). */
  void onResize(Runnable listener);

  record Size(int width, int height) {}

  interface Restore extends AutoCloseable {
    @Override
    void close();
  }
}
