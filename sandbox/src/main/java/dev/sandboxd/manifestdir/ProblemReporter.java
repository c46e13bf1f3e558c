package dev.sandboxd.manifestdir;

/** Hears about problems of the manifest directory (each is also logged), once per file until it changes. */
@FunctionalInterface
public interface ProblemReporter {
  void report(ManifestProblem problem);
}
