package dev.sandboxd.cli;

/**
 * {@code -o} of ps, inspect and stats, as kubectl's: the table (text), the table with more
 * columns (wide), or the whole objects as JSON or YAML for scripts. picocli refuses any other
 * value naming the option and the choices.
 */
enum OutputFormat {
  text,
  wide,
  json,
  yaml;

  boolean isDocument() {
    return this == json || this == yaml;
  }
}
