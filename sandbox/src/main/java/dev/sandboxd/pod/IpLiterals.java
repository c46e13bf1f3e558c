package dev.sandboxd.pod;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * IP address literals as Kubernetes accepts them (Go's net.ParseIP): dotted IPv4 without leading
 * zeros, or IPv6 without a zone. Never resolves a name.
 */
public final class IpLiterals {
  private static final Pattern IPV4 =
      Pattern.compile("(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
  private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

  private IpLiterals() {}

  public static boolean isValid(String text) {
    if (IPV4.matcher(text).matches()) {
      return true;
    }
    // With a ':' InetAddress parses an IPv6 literal and never asks DNS (it throws when the text is not one).
    if (!text.contains(":") || !IPV6_CHARS.matcher(text).matches()) {
      return false;
    }
    try {
      InetAddress.getByName(text);
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
