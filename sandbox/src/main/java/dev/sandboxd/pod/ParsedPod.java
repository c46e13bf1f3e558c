package dev.sandboxd.pod;

import java.util.List;

/** A validated pod and what lenient parsing dropped from its manifest (empty when strict). */
public record ParsedPod(Pod pod, List<String> warnings) {

  public ParsedPod {
    warnings = List.copyOf(warnings);
  }
}
