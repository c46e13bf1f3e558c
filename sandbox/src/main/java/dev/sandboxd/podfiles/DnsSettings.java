package dev.sandboxd.podfiles;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * A resolver configuration as CRI passes it (DNSConfig): nameservers, search domains and options
 * ("ndots:5", "rotate"). Read from a resolv.conf as kubelet reads the node's, written as
 * containerd writes a sandbox's.
 */
public record DnsSettings(List<String> servers, List<String> searches, List<String> options) {

  public static final DnsSettings EMPTY = new DnsSettings(List.of(), List.of(), List.of());

  public DnsSettings {
    servers = List.copyOf(servers);
    searches = List.copyOf(searches);
    options = List.copyOf(options);
  }

  /**
   * kubelet's reading of the node's resolv.conf: every nameserver line adds one, the last search
   * line wins (trailing dots dropped, "." ignored), options accumulate with a later one of the
   * same name replacing the earlier; comments and other keywords are skipped.
   */
  public static DnsSettings parse(String resolvConf) {
    List<String> servers = new ArrayList<>();
    List<String> searches = new ArrayList<>();
    List<String> options = new ArrayList<>();
    for (String line : resolvConf.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.startsWith("#")) {
        continue;
      }
      String[] fields = trimmed.split("\\s+");
      switch (fields[0]) {
        case "nameserver" -> {
          if (fields.length >= 2) {
            servers.add(fields[1]);
          }
        }
        case "search" -> {
          searches = new ArrayList<>();
          for (int i = 1; i < fields.length; i++) {
            if (!fields[i].equals(".")) {
              searches.add(fields[i].endsWith(".") ? fields[i].substring(0, fields[i].length() - 1) : fields[i]);
            }
          }
        }
        case "options" -> options = mergeOptions(options, List.of(fields).subList(1, fields.length));
        default -> { }
      }
    }
    return new DnsSettings(servers, searches, options);
  }

  /** containerd's resolv.conf: "search a b", one "nameserver" line each, "options x y"; "" when empty. */
  public String render() {
    StringBuilder out = new StringBuilder();
    if (!searches.isEmpty()) {
      out.append("search ").append(String.join(" ", searches)).append('\n');
    }
    servers.forEach(s -> out.append("nameserver ").append(s).append('\n'));
    if (!options.isEmpty()) {
      out.append("options ").append(String.join(" ", options)).append('\n');
    }
    return out.toString();
  }

  public boolean isEmpty() {
    return servers.isEmpty() && searches.isEmpty() && options.isEmpty();
  }

  /**
   * Options by name ("ndots" of "ndots:5"): a later one replaces an earlier one of the same name
   * in its place. kubelet merges through a Go map, so its order varies; this one keeps first-seen
   * order, so the same pod always gets the same file.
   */
  static List<String> mergeOptions(List<String> earlier, List<String> later) {
    Map<String, String> byName = new LinkedHashMap<>();
    for (List<String> list : List.of(earlier, later)) {
      for (String option : list) {
        int colon = option.indexOf(':');
        byName.put(colon < 0 ? option : option.substring(0, colon), option);
      }
    }
    return List.copyOf(byName.values());
  }

  /** kubelet's omitDuplicates: first occurrence kept, order kept. */
  static List<String> distinct(List<String> values) {
    return List.copyOf(new LinkedHashSet<>(values));
  }
}
