package dev.sandboxd.pod;

import static dev.sandboxd.pod.ManifestObject.invalid;
import static dev.sandboxd.pod.ManifestObject.quote;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads spec.subdomain, spec.hostAliases, spec.dnsPolicy and spec.dnsConfig with Kubernetes'
 * rules (validatePodDNSConfig, validateHostAliases): valid IPs, DNS-1123 names, None needs 1 to
 * 3 nameservers, at most 32 search domains of 2048 characters in all.
 */
final class PodDnsReader {
  static final int MAX_NAMESERVERS = 3;
  static final int MAX_SEARCHES = 32;
  static final int MAX_SEARCH_CHARS = 2048;
  // Kubernetes has no limit; this one only bounds what one manifest makes sandboxd write.
  static final int MAX_HOST_ALIASES = 1024;
  static final int MAX_OPTIONS = 64;

  static final FieldSet HOST_ALIAS = FieldSet.of("ip", "hostnames");
  static final FieldSet DNS_CONFIG = FieldSet.of("nameservers", "searches", "options");
  static final FieldSet DNS_OPTION = FieldSet.of("name", "value");

  private PodDnsReader() {}

  static PodDns read(ManifestObject spec) {
    Optional<String> subdomain =
        spec.string("subdomain").map(s -> KubernetesNames.dns1123Label(spec.path("subdomain"), s));
    List<PodDns.HostAlias> aliases = new ArrayList<>();
    for (ManifestObject a : spec.objects("hostAliases", HOST_ALIAS, MAX_HOST_ALIASES)) {
      aliases.add(new PodDns.HostAlias(ip(a.path("ip"), a.requiredString("ip")), hostnames(a)));
    }
    PodDns.Policy policy = spec.oneOf("dnsPolicy", "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None")
        .map(PodDns.Policy::valueOf)
        .orElse(PodDns.Policy.ClusterFirst);
    Optional<PodDns.Config> config = spec.object("dnsConfig", DNS_CONFIG).map(PodDnsReader::config);
    if (policy == PodDns.Policy.None) {
      if (config.isEmpty()) {
        throw invalid(spec.path("dnsConfig"), "required: dnsPolicy None needs a dnsConfig");
      }
      if (config.get().nameservers().isEmpty()) {
        throw invalid(spec.path("dnsConfig") + ".nameservers",
            "required: dnsPolicy None needs at least one nameserver");
      }
    }
    return new PodDns(subdomain, aliases, policy, config);
  }

  private static List<String> hostnames(ManifestObject alias) {
    List<String> names = alias.strings("hostnames");
    for (int i = 0; i < names.size(); i++) {
      KubernetesNames.dns1123Subdomain(alias.path("hostnames") + "[" + i + "]", names.get(i));
    }
    return names;
  }

  private static PodDns.Config config(ManifestObject c) {
    List<String> nameservers = c.strings("nameservers");
    if (nameservers.size() > MAX_NAMESERVERS) {
      throw invalid(c.path("nameservers"),
          "must not have more than " + MAX_NAMESERVERS + " nameservers, has " + nameservers.size());
    }
    for (int i = 0; i < nameservers.size(); i++) {
      ip(c.path("nameservers") + "[" + i + "]", nameservers.get(i));
    }
    List<String> searches = c.strings("searches");
    if (searches.size() > MAX_SEARCHES) {
      throw invalid(c.path("searches"), "must not have more than " + MAX_SEARCHES + " search paths, has " + searches.size());
    }
    int chars = String.join(" ", searches).length();
    if (chars > MAX_SEARCH_CHARS) {
      throw invalid(c.path("searches"), "must not have more than " + MAX_SEARCH_CHARS
          + " characters (spaces included) in the search list, has " + chars);
    }
    for (int i = 0; i < searches.size(); i++) {
      String search = searches.get(i);
      // A trailing dot is fine (an absolute name).
      KubernetesNames.dns1123Subdomain(c.path("searches") + "[" + i + "]",
          search.endsWith(".") ? search.substring(0, search.length() - 1) : search);
    }
    List<PodDns.Option> options = new ArrayList<>();
    for (ManifestObject o : c.objects("options", DNS_OPTION, MAX_OPTIONS)) {
      String name = o.string("name").orElseThrow(() -> invalid(o.path("name"), "required: must not be empty"));
      if (name.chars().anyMatch(ch -> ch <= ' ' || ch == ':' || ch == 0x7f)) {
        // It becomes one word of the options line, "name:value".
        throw invalid(o.path("name"), quote(name) + " must not contain spaces, control characters or ':'");
      }
      Optional<String> value = o.string("value");
      if (value.isPresent() && value.get().chars().anyMatch(ch -> ch <= ' ' || ch == 0x7f)) {
        throw invalid(o.path("value"), quote(value.get()) + " must not contain spaces or control characters");
      }
      options.add(new PodDns.Option(name, value));
    }
    return new PodDns.Config(nameservers, searches, options);
  }

  private static String ip(String path, String value) {
    if (!IpLiterals.isValid(value)) {
      throw invalid(path, quote(value) + " must be a valid IP address, e.g. 10.9.8.7 or 2001:db8::ffff");
    }
    return value;
  }
}
