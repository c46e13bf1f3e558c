package dev.sandboxd.pod;

import static dev.sandboxd.pod.ManifestObject.invalid;
import static dev.sandboxd.pod.ManifestObject.quote;

import java.util.ArrayList;
import java.util.List;

/**
 * File paths in manifests. ".." is refused rather than resolved: it is how a mount or sub-path
 * escapes the directory it names. "//", "." and a trailing '/' are normalised away.
 */
final class ManifestPaths {

  private ManifestPaths() {}

  /** An absolute path, returned clean: "/var//log/" is "/var/log". */
  static String absolute(String path, String value) {
    if (!value.startsWith("/")) {
      throw invalid(path, quote(value) + " must be an absolute path");
    }
    return "/" + String.join("/", segments(path, value));
  }

  /** A relative path that stays below its base, returned clean; "" when it names the base itself. */
  static String relativeDescending(String path, String value) {
    if (value.startsWith("/")) {
      throw invalid(path, quote(value) + " must be a relative path");
    }
    return String.join("/", segments(path, value));
  }

  private static List<String> segments(String path, String value) {
    List<String> segments = new ArrayList<>();
    for (String segment : value.split("/")) {
      if (segment.equals("..")) {
        throw invalid(path, quote(value) + " must not contain \"..\"");
      }
      if (!segment.isEmpty() && !segment.equals(".")) {
        segments.add(segment);
      }
    }
    return segments;
  }
}
