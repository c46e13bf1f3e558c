package dev.sandboxd.pod;

import static dev.sandboxd.pod.ManifestObject.invalid;
import static dev.sandboxd.pod.ManifestObject.quote;

import java.util.regex.Pattern;

/**
 * The name rules of Kubernetes' validation (k8s.io/apimachinery/pkg/util/validation), each
 * throwing an invalid-argument error that names the field. Lengths are checked before patterns so
 * no regex ever runs over a huge input.
 */
final class KubernetesNames {

  private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern DNS1123_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern QUALIFIED_NAME_PART = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
  private static final Pattern ENV_VAR_NAME = Pattern.compile("[-._a-zA-Z][-._a-zA-Z0-9]*");
  private static final Pattern PORT_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?");
  private static final int LABEL_MAX = 63;
  private static final int SUBDOMAIN_MAX = 253;
  private static final int PORT_NAME_MAX = 15;

  private KubernetesNames() {}

  /** Container, volume, namespace and host names. */
  static String dns1123Label(String path, String value) {
    if (value.length() > LABEL_MAX || !DNS1123_LABEL.matcher(value).matches()) {
      throw invalid(
          path,
          quote(value)
              + " is not a valid DNS-1123 label: at most 63 lower case letters, digits or '-',"
              + " starting and ending with a letter or digit");
    }
    return value;
  }

  /** Pod names. */
  static String dns1123Subdomain(String path, String value) {
    if (value.length() > SUBDOMAIN_MAX || !DNS1123_SUBDOMAIN.matcher(value).matches()) {
      throw invalid(
          path,
          quote(value)
              + " is not a valid DNS-1123 subdomain: at most 253 lower case letters, digits, '-' or '.',"
              + " starting and ending with a letter or digit");
    }
    return value;
  }

  /** Label and annotation keys: an optional DNS subdomain prefix and '/', then a name. */
  static String qualifiedName(String path, String key) {
    int slash = key.indexOf('/');
    String name = slash < 0 ? key : key.substring(slash + 1);
    if (slash >= 0) {
      String prefix = key.substring(0, slash);
      if (prefix.isEmpty()
          || prefix.length() > SUBDOMAIN_MAX
          || !DNS1123_SUBDOMAIN.matcher(prefix).matches()) {
        throw invalid(path, "the prefix of key " + quote(key) + " must be a DNS-1123 subdomain");
      }
    }
    if (name.isEmpty() || name.length() > LABEL_MAX || !QUALIFIED_NAME_PART.matcher(name).matches()) {
      throw invalid(
          path,
          "key "
              + quote(key)
              + " is not a valid qualified name: [prefix/]name, the name at most 63 letters, digits,"
              + " '-', '_' or '.', starting and ending with a letter or digit");
    }
    return key;
  }

  static String labelValue(String path, String value) {
    if (value.length() > LABEL_MAX || !value.isEmpty() && !QUALIFIED_NAME_PART.matcher(value).matches()) {
      throw invalid(
          path,
          quote(value)
              + " is not a valid label value: empty, or at most 63 letters, digits, '-', '_' or '.',"
              + " starting and ending with a letter or digit");
    }
    return value;
  }

  static String envVarName(String path, String name) {
    if (!ENV_VAR_NAME.matcher(name).matches()) {
      throw invalid(
          path,
          quote(name) + " is not a valid environment variable name: letters, digits, '_', '-' or '.',"
              + " not starting with a digit");
    }
    return name;
  }

  /** Port names are IANA service names: at most 15 of [a-z0-9-], one letter at least, no "--". */
  static String portName(String path, String name) {
    if (name.length() > PORT_NAME_MAX
        || !PORT_NAME.matcher(name).matches()
        || name.contains("--")
        || name.chars().noneMatch(c -> c >= 'a' && c <= 'z')) {
      throw invalid(
          path,
          quote(name)
              + " is not a valid port name: at most 15 lower case letters, digits or '-', with a letter,"
              + " no \"--\", not starting or ending with '-'");
    }
    return name;
  }
}
