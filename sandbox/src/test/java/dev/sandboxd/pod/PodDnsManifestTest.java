package dev.sandboxd.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.errdefs.SandboxdException;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** spec.subdomain, hostAliases, dnsPolicy and dnsConfig: read, defaulted, and checked as Kubernetes does. */
class PodDnsManifestTest {
  private final PodManifests manifests = new PodManifests(() -> "uid");

  private static String pod(String specExtra) {
    return "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns}\nspec:\n  containers: [{name: c, image: busybox}]\n"
        + specExtra.lines().map(l -> "  " + l + "\n").collect(Collectors.joining());
  }

  private PodDns dns(String specExtra) {
    ParsedPod parsed = manifests.parse(pod(specExtra), false);
    assertEquals(List.of(), parsed.warnings());
    return parsed.pod().spec().dns();
  }

  @Test
  void aPodThatSaysNothingIsClusterFirstWithoutExtras() {
    assertEquals(PodDns.DEFAULT, dns(""));
  }

  @Test
  void everyFieldIsRead() {
    PodDns dns = dns("""
        subdomain: db
        hostAliases:
        - {ip: 10.1.2.3, hostnames: [foo.local, bar]}
        - {ip: "fd00::1", hostnames: [six]}
        dnsPolicy: None
        dnsConfig:
          nameservers: [1.2.3.4, "2001:db8::53"]
          searches: [ns1.svc.cluster-domain.example, my.dns.search.suffix.]
          options:
          - {name: ndots, value: "2"}
          - name: edns0
        """);
    assertEquals(new PodDns(Optional.of("db"),
        List.of(new PodDns.HostAlias("10.1.2.3", List.of("foo.local", "bar")), new PodDns.HostAlias("fd00::1", List.of("six"))),
        PodDns.Policy.None,
        Optional.of(new PodDns.Config(List.of("1.2.3.4", "2001:db8::53"),
            List.of("ns1.svc.cluster-domain.example", "my.dns.search.suffix."),
            List.of(new PodDns.Option("ndots", Optional.of("2")), new PodDns.Option("edns0", Optional.empty()))))),
        dns);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"ClusterFirst", "ClusterFirstWithHostNet", "Default"})
  void policiesOtherThanNoneNeedNoConfig(String policy) {
    assertEquals(PodDns.Policy.valueOf(policy), dns("dnsPolicy: " + policy).policy());
  }

  @Test
  void theSpecRendersBackWithItsDnsFields() {
    Pod pod = manifests.parse(pod("subdomain: db\nhostAliases: [{ip: 10.0.0.1, hostnames: [a]}]\n"
        + "dnsConfig: {nameservers: [1.1.1.1], options: [{name: ndots, value: \"1\"}, {name: rotate}]}\n"), false).pod();
    String json = PodJson.spec(pod.spec()).toString();
    assertTrue(json.contains("\"subdomain\":\"db\",\"hostAliases\":[{\"ip\":\"10.0.0.1\",\"hostnames\":[\"a\"]}],"
        + "\"dnsPolicy\":\"ClusterFirst\",\"dnsConfig\":{\"nameservers\":[\"1.1.1.1\"],"
        + "\"options\":[{\"name\":\"ndots\",\"value\":\"1\"},{\"name\":\"rotate\"}]}"), json);
  }

  static Stream<Arguments> invalid() {
    String fourServers = "dnsConfig: {nameservers: [1.1.1.1, 1.1.1.2, 1.1.1.3, 1.1.1.4]}";
    String searches33 = IntStream.range(0, 33).mapToObj(i -> "s" + i).collect(Collectors.joining(", ", "dnsConfig: {searches: [", "]}"));
    String longSearches = IntStream.range(0, 11).mapToObj(i -> "a".repeat(63) + "." + "b".repeat(63) + "." + "c".repeat(63) + "." + i)
        .collect(Collectors.joining(", ", "dnsConfig: {searches: [", "]}"));
    return Stream.of(
        Arguments.of("None without dnsConfig", "dnsPolicy: None", "spec.dnsConfig: required: dnsPolicy None needs a dnsConfig"),
        Arguments.of("None without nameservers", "dnsPolicy: None\ndnsConfig: {searches: [a.b]}",
            "spec.dnsConfig.nameservers: required: dnsPolicy None needs at least one nameserver"),
        Arguments.of("four nameservers", fourServers, "spec.dnsConfig.nameservers: must not have more than 3 nameservers, has 4"),
        Arguments.of("a name as nameserver", "dnsConfig: {nameservers: [1.1.1.1, dns.example]}",
            "spec.dnsConfig.nameservers[1]: \"dns.example\" must be a valid IP address"),
        Arguments.of("IPv4 with a leading zero", "dnsConfig: {nameservers: [10.0.0.01]}",
            "spec.dnsConfig.nameservers[0]: \"10.0.0.01\" must be a valid IP address"),
        Arguments.of("IPv6 with a zone", "dnsConfig: {nameservers: [\"fe80::1%eth0\"]}",
            "spec.dnsConfig.nameservers[0]: \"fe80::1%eth0\" must be a valid IP address"),
        Arguments.of("33 searches", searches33, "spec.dnsConfig.searches: must not have more than 32 search paths, has 33"),
        Arguments.of("search list over 2048 characters", longSearches,
            "spec.dnsConfig.searches: must not have more than 2048 characters (spaces included) in the search list, has 2134"),
        Arguments.of("bad search", "dnsConfig: {searches: [Upper.Case]}",
            "spec.dnsConfig.searches[0]: \"Upper.Case\" is not a valid DNS-1123 subdomain"),
        Arguments.of("option without name", "dnsConfig: {options: [{value: \"1\"}]}",
            "spec.dnsConfig.options[0].name: required: must not be empty"),
        Arguments.of("option with a space", "dnsConfig: {options: [{name: \"nd ots\"}]}",
            "spec.dnsConfig.options[0].name: \"nd ots\" must not contain spaces"),
        Arguments.of("unknown dnsConfig field", "dnsConfig: {nameserver: [1.1.1.1]}",
            "spec.dnsConfig.nameserver: unknown or unsupported field"),
        Arguments.of("alias without ip", "hostAliases: [{hostnames: [a]}]", "spec.hostAliases[0].ip: required"),
        Arguments.of("alias with a bad ip", "hostAliases: [{ip: 300.1.1.1, hostnames: [a]}]",
            "spec.hostAliases[0].ip: \"300.1.1.1\" must be a valid IP address"),
        Arguments.of("alias with a bad hostname", "hostAliases: [{ip: 1.1.1.1, hostnames: [ok, not_ok]}]",
            "spec.hostAliases[0].hostnames[1]: \"not_ok\" is not a valid DNS-1123 subdomain"),
        Arguments.of("bad subdomain", "subdomain: a.b", "spec.subdomain: \"a.b\" is not a valid DNS-1123 label"),
        Arguments.of("bad policy", "dnsPolicy: Host", "spec.dnsPolicy: must be one of ClusterFirst, ClusterFirstWithHostNet, Default, None"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void invalid(String name, String specExtra, String expected) {
    SandboxdException.InvalidArgument e =
        assertThrows(SandboxdException.InvalidArgument.class, () -> manifests.parse(pod(specExtra), false));
    assertTrue(e.getMessage().contains(expected), () -> "expected\n  " + expected + "\nin\n  " + e.getMessage());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"0.0.0.0", "255.255.255.255", "10.96.0.10", "::1", "2001:db8::ffff", "::ffff:10.0.0.1"})
  void ipLiteralsKubernetesAccepts(String ip) {
    assertTrue(IpLiterals.isValid(ip));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource({"''", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "localhost", "a:b:c:d:e:f:g:h", "1:::2", "[::1]",
      "fe80::1%1", "abc"})
  void ipLiteralsKubernetesRefuses(String text) {
    assertFalse(IpLiterals.isValid(text));
  }
}
