package dev.sandboxd.manifestdir;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The manifest directory as read once: the pod each good file asks for and what is wrong with each
 * bad one, both by file name and in file-name order. Files that are no manifests are in neither.
 */
record DirectoryScan(Map<String, StaticPod> pods, Map<String, String> problems) {

  DirectoryScan {
    pods = Collections.unmodifiableMap(new TreeMap<>(pods));
    problems = Collections.unmodifiableMap(new TreeMap<>(problems));
  }
}
