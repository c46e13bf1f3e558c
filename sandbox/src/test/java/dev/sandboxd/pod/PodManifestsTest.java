package dev.sandboxd.pod;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.errdefs.SandboxdException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PodManifestsTest {

  private final PodManifests manifests = new PodManifests(() -> "generated-uid");

  private Pod parse(String yaml) {
    ParsedPod parsed = manifests.parse(yaml, false);
    assertEquals(List.of(), parsed.warnings());
    return parsed.pod();
  }

  /** A pod whose spec is {@code spec}, indented under "spec:". */
  private static String podWithSpec(String spec) {
    return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n" + indent(spec, 2);
  }

  /** A pod with one container "c"; {@code extra} is added to that container. */
  private static String podWithContainer(String extra) {
    return podWithSpec("containers:\n- name: c\n  image: busybox\n" + indent(extra, 2));
  }

  private static String indent(String text, int spaces) {
    return text.lines().map(l -> " ".repeat(spaces) + l + "\n").collect(Collectors.joining());
  }

  private static Container container(String name, List<String> args, List<VolumeMount> mounts) {
    return new Container(
        name, "localhost/sandboxd/busybox:1.35", List.of(), args, List.of(), Optional.empty(), mounts,
        SecurityContext.EMPTY, ResourceRequirements.NONE, dev.sandboxd.pod.Supervision.NONE);
  }

  /**
   * Found by PodManifestsFuzzTest: a value quoted in an error came out raw, so a newline (or an
   * escape sequence) in the manifest broke the one-line message and went as is into logs and terminals.
   */
  @Test
  void fuzzRegressionQuotedValuesInErrorsShowControlCharactersEscaped() {
    String manifest = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},"
        + "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\\t\\n\\u001b[2J\"}]}}";
    SandboxdException.InvalidArgument e =
        assertThrows(SandboxdException.InvalidArgument.class, () -> manifests.parse(manifest, false));
    // (A NUL is refused before this check, naming the field without quoting the value.)
    assertEquals("spec.containers[0].image: \"busybox\\t\\n\\u001b[2J\" must not contain whitespace", e.getMessage());
  }

  /**
   * Found by PodManifestsFuzzTest (seed -1199840913607670959): SnakeYAML's problem quotes the text
   * it stopped at, here a line break inside a broken "\\u" escape, which broke the one-line message.
   */
  @Test
  void fuzzRegressionTheParsersOwnProblemIsEscapedToo() {
    SandboxdException.InvalidArgument e =
        assertThrows(SandboxdException.InvalidArgument.class, () -> manifests.parse("\"\\u0\n  000\"", false));
    assertEquals("manifest is not valid YAML: line 1, column 1: expected escape sequence of 4 hexadecimal numbers, "
        + "but found: 0\\n  ", e.getMessage());
  }

  @Test
  void theSeedCounterPodParses() throws IOException {
    Pod pod = parse(Files.readString(Path.of("../e2e/examples/counter.yaml")));

    String script =
        "i=0; while true; do\n  echo \"$i: $(date)\" >> /var/log/1.log;\n  i=$((i+1));\n  sleep 1;\ndone\n";
    Pod expected =
        new Pod(
            new PodMeta("counter", "default", "generated-uid", Map.of(), Map.of()),
            new PodSpec(
                List.of(),
                List.of(
                    container(
                        "count",
                        List.of("/bin/sh", "-c", script),
                        List.of(new VolumeMount("varlog", "/var/log", false, Optional.empty()))),
                    container(
                        "count-log",
                        List.of("/bin/sh", "-c", "tail -n+1 -f /opt/log/1.log"),
                        List.of(new VolumeMount("varlog", "/opt/log", false, Optional.empty())))),
                List.of(new Volume("varlog", new Volume.HostPath("/var/log/counter", Volume.HostPathType.Unset))),
                RestartPolicy.Always,
                30,
                false,
                Optional.empty(),
                PodSecurityContext.EMPTY,
                PodDns.DEFAULT));
    assertEquals(expected, pod);
    assertEquals("default/counter", pod.fullName());
  }

  @Test
  void aMinimalPodGetsDefaults() {
    Pod pod = parse(podWithSpec("containers:\n- name: c\n  image: busybox\n"));

    assertEquals(new PodMeta("p", "default", "generated-uid", Map.of(), Map.of()), pod.metadata());
    assertEquals(RestartPolicy.Always, pod.spec().restartPolicy());
    assertEquals(PodSpec.DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS, pod.spec().terminationGracePeriodSeconds());
    assertEquals(
        new Container("c", "busybox", List.of(), List.of(), List.of(), Optional.empty(), List.of(), SecurityContext.EMPTY,
            ResourceRequirements.NONE, dev.sandboxd.pod.Supervision.NONE),
        pod.spec().containers().get(0));
    assertEquals(PodSecurityContext.EMPTY, pod.spec().securityContext());
  }

  @Test
  void withoutAnInjectedGeneratorUidsAreRandom() {
    String yaml = podWithSpec("containers:\n- name: c\n  image: busybox\n");
    PodManifests random = PodManifests.withRandomUids();
    String first = random.parse(yaml, false).pod().metadata().uid();
    assertTrue(first.matches("[0-9a-f-]{36}"), first);
    assertTrue(!first.equals(random.parse(yaml, false).pod().metadata().uid()));
  }

  @Test
  void everySupportedFieldIsRead() {
    Pod pod =
        parse(
            """
            apiVersion: v1
            kind: Pod
            metadata:
              name: web.example
              namespace: team-a
              uid: 0b9c8e2e-4b7a-4d0e-9d61-000000000001
              labels: {app: web, app.kubernetes.io/part-of: shop, empty: ""}
              annotations: {Example.com/Note: "anything at all: {}"}
            spec:
              restartPolicy: OnFailure
              terminationGracePeriodSeconds: 0
              shareProcessNamespace: true
              hostname: web-0
              securityContext: {runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true, supplementalGroups: [5, 6]}
              volumes:
              - name: cache
                emptyDir: {}
              - name: shm
                emptyDir: {medium: Memory, sizeLimit: 64Mi}
              - name: sock
                hostPath: {path: /run//containerd/, type: Socket}
              initContainers:
              - name: init
                image: busybox
                command: [sh, -c, "echo init"]
              containers:
              - name: app
                image: registry.example/app@sha256:0123
                command: [/app]
                args: ["--port=8080", ""]
                workingDir: /srv
                env:
                - {name: MODE, value: prod}
                - {name: EMPTY}
                - {name: my.var-1}
                volumeMounts:
                - {name: cache, mountPath: /cache/, readOnly: true}
                - {name: cache, mountPath: /tmp/sub, subPath: ./a//b/}
                - {name: sock, mountPath: /run/containerd.sock}
                securityContext:
                  runAsUser: 0
                  readOnlyRootFilesystem: true
                  privileged: false
                  allowPrivilegeEscalation: false
                  capabilities: {add: [net_admin, CAP_NET_RAW, NET_ADMIN], drop: [ALL]}
                ports:
                - {name: http, containerPort: 8080, protocol: TCP}
                imagePullPolicy: IfNotPresent
                terminationMessagePath: /dev/termination-log
                terminationMessagePolicy: File
            """);

    assertEquals(
        new PodMeta(
            "web.example",
            "team-a",
            "0b9c8e2e-4b7a-4d0e-9d61-000000000001",
            Map.of("app", "web", "app.kubernetes.io/part-of", "shop", "empty", ""),
            Map.of("Example.com/Note", "anything at all: {}")),
        pod.metadata());
    PodSpec spec = pod.spec();
    assertEquals(RestartPolicy.OnFailure, spec.restartPolicy());
    assertEquals(0, spec.terminationGracePeriodSeconds());
    assertTrue(spec.shareProcessNamespace());
    assertEquals(Optional.of("web-0"), spec.hostname());
    assertEquals(
        new PodSecurityContext(Optional.of(1000L), Optional.of(1000L), Optional.of(true), List.of(5L, 6L)),
        spec.securityContext());
    assertEquals(
        List.of(
            new Volume("cache", new Volume.EmptyDir(false, Optional.empty())),
            new Volume("shm", new Volume.EmptyDir(true, Optional.of(64L * 1024 * 1024))),
            new Volume("sock", new Volume.HostPath("/run/containerd", Volume.HostPathType.Socket))),
        spec.volumes());
    assertEquals(List.of("sh", "-c", "echo init"), spec.initContainers().get(0).command());
    assertEquals(
        new Container(
            "app",
            "registry.example/app@sha256:0123",
            List.of("/app"),
            List.of("--port=8080", ""),
            List.of(new EnvVar("MODE", "prod"), new EnvVar("EMPTY", ""), new EnvVar("my.var-1", "")),
            Optional.of("/srv"),
            List.of(
                new VolumeMount("cache", "/cache", true, Optional.empty()),
                new VolumeMount("cache", "/tmp/sub", false, Optional.of("a/b")),
                new VolumeMount("sock", "/run/containerd.sock", false, Optional.empty())),
            new SecurityContext(
                Optional.of(0L),
                Optional.empty(),
                Optional.empty(),
                Optional.of(true),
                Optional.of(false),
                Optional.of(false),
                List.of("CAP_NET_ADMIN", "CAP_NET_RAW"),
                List.of("ALL")),
            ResourceRequirements.NONE, dev.sandboxd.pod.Supervision.NONE, ImagePullPolicy.IfNotPresent,
            List.of(new ContainerPort(Optional.of("http"), 8080, 0, "TCP", ""))),
        spec.container("app").orElseThrow());
  }

  @Test
  void kubectlDryRunOutputParses() {
    // `kubectl run web --image=busybox --dry-run=client -o yaml`
    Pod pod =
        parse(
            """
            apiVersion: v1
            kind: Pod
            metadata:
              creationTimestamp: null
              labels:
                run: web
              name: web
            spec:
              containers:
              - image: busybox
                name: web
                resources: {}
              dnsPolicy: ClusterFirst
              restartPolicy: Always
            status: {}
            """);
    assertEquals("web", pod.spec().containers().get(0).name());
  }

  @Test
  void jsonWorksTooEvenIndentedWithTabs() {
    Pod pod =
        parse(
            "{\n\t\"apiVersion\": \"v1\",\n\t\"kind\": \"Pod\",\n\t\"metadata\": {\"name\": \"j\"},\n"
                + "\t\"spec\": {\"containers\": [{\"name\": \"c\", \"image\": \"busybox\", \"args\": [\"a\"]}]}\n}\n");
    assertEquals(List.of("a"), pod.spec().containers().get(0).args());
  }

  @Test
  void emptyDocumentsAroundThePodAreSkipped() {
    String pod = podWithSpec("containers:\n- {name: c, image: busybox}\n");
    Pod expected = parse(pod);
    assertEquals(expected, parse("---\n" + pod + "...\n"));
    assertEquals(expected, parse("---\n---\n" + pod + "---\n# the end\n"));
  }

  @Test
  void anchorsWithoutAliasesAreHarmless() {
    assertEquals("busybox", parse(podWithSpec("containers:\n- {name: c, image: &img busybox}\n")).spec().containers().get(0).image());
  }

  @Test
  void sizeLimitAcceptsNumbersAndTreatsZeroAsNoLimit() {
    Pod pod =
        parse(
            podWithSpec(
                "containers:\n- {name: c, image: busybox}\nvolumes:\n"
                    + "- {name: a, emptyDir: {sizeLimit: 1000}}\n- {name: b, emptyDir: {sizeLimit: \"0\"}}\n"
                    + "- {name: c, emptyDir: {sizeLimit: 1.5k}}\n"));
    assertEquals(new Volume.EmptyDir(false, Optional.of(1000L)), pod.spec().volume("a").orElseThrow().source());
    assertEquals(new Volume.EmptyDir(false, Optional.empty()), pod.spec().volume("b").orElseThrow().source());
    assertEquals(new Volume.EmptyDir(false, Optional.of(1500L)), pod.spec().volume("c").orElseThrow().source());
  }

  @Test
  void resourcesParseAsKubernetesQuantitiesAndLimitsDefaultTheRequests() {
    Pod pod = parse(podWithContainer(
        "resources:\n    requests: {cpu: 0.5, memory: 1e3}\n    limits: {cpu: '1', memory: 128Mi, hugepages-2Mi: 4Mi}\n"));
    ResourceRequirements r = pod.spec().containers().get(0).resources();
    assertEquals(500, r.requestMilli(ResourceRequirements.CPU));
    assertEquals(1000, r.requestValue(ResourceRequirements.MEMORY));
    assertEquals(128L << 20, r.limit(ResourceRequirements.MEMORY).orElseThrow().value());
    assertEquals(4L << 20, r.requestValue(ResourceRequirements.HUGEPAGES_2MI), "a limit without a request is also the request");
    assertEquals(1000, r.limit(ResourceRequirements.CPU).orElseThrow().milliValue());

    Pod limitsOnly = parse(podWithContainer("resources: {limits: {cpu: 100m, memory: 1G}}\n"));
    ResourceRequirements l = limitsOnly.spec().containers().get(0).resources();
    assertEquals(l.limits(), l.requests());
    assertEquals(1_000_000_000L, l.requestValue(ResourceRequirements.MEMORY));
    assertTrue(PodJson.spec(limitsOnly.spec()).toString().contains("\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"1G\"},"
        + "\"limits\":{\"cpu\":\"100m\",\"memory\":\"1G\"}}"), PodJson.spec(limitsOnly.spec()).toString());
  }

  static Stream<Arguments> invalidManifests() {
    String containers65 =
        IntStream.range(0, 65).mapToObj(i -> "- {name: c" + i + ", image: busybox}\n").collect(Collectors.joining());
    String init40 =
        IntStream.range(0, 40).mapToObj(i -> "- {name: i" + i + ", image: busybox}\n").collect(Collectors.joining());
    String containers40 =
        IntStream.range(0, 40).mapToObj(i -> "- {name: c" + i + ", image: busybox}\n").collect(Collectors.joining());
    String volumes257 =
        IntStream.range(0, 257).mapToObj(i -> "- {name: v" + i + ", emptyDir: {}}\n").collect(Collectors.joining());
    String env1025 =
        IntStream.range(0, 1025).mapToObj(i -> "- {name: V" + i + "}\n").collect(Collectors.joining());
    String bigAnnotations =
        IntStream.range(0, 5)
            .mapToObj(i -> "    a" + i + ": " + "x".repeat(60 * 1024) + "\n")
            .collect(Collectors.joining());
    String laughs =
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n"
            + "    a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
            + "    b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
            + "    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
            + "spec:\n  containers: [{name: c, image: busybox}]\n";
    return Stream.of(
        // documents
        Arguments.of("syntax error", "apiVersion: v1\nkind: [Pod\nmetadata: {}\n", "manifest is not valid YAML: line 3, column"),
        Arguments.of("tab indentation", "apiVersion: v1\nkind:\tPod\n", "manifest is not valid YAML: line 2"),
        Arguments.of("duplicate key", podWithContainer("") + "kind: Pod\n", "manifest is not valid YAML: line 9, column 5: Duplicate field 'kind'"),
        Arguments.of("JSON syntax error", "{\"apiVersion\": }", "manifest is not valid JSON: line 1, column 16: Unexpected character"),
        Arguments.of("two JSON documents", "{\"apiVersion\": \"v1\"} {}", "manifest must hold one JSON document"),
        Arguments.of("multi-document YAML", podWithContainer("") + "---\n" + podWithContainer(""), "manifest must hold one YAML document; another starts at line 10, column 1"),
        Arguments.of("billion laughs", laughs, "manifest uses YAML alias *a at line 7, column 12; aliases are not supported"),
        Arguments.of("huge manifest", podWithContainer("") + "#" + "x".repeat(1024 * 1024), "manifest is larger than 1 MiB"),
        Arguments.of("deep nesting", podWithContainer("") + "status: " + "[".repeat(100) + "]".repeat(100), "manifest exceeds a parser limit"),
        Arguments.of("empty manifest", "# nothing\n", "manifest is empty"),
        Arguments.of("not a mapping", "- apiVersion: v1\n", "manifest: must be a mapping"),
        // top level and metadata
        Arguments.of("wrong apiVersion", podWithContainer("").replace("v1", "apps/v1"), "apiVersion: must be \"v1\", is \"apps/v1\""),
        Arguments.of("missing kind", podWithContainer("").replace("kind: Pod\n", ""), "kind: required"),
        Arguments.of("wrong kind", podWithContainer("").replace("kind: Pod", "kind: Deployment"), "kind: must be \"Pod\", is \"Deployment\""),
        Arguments.of("unknown top-level field", podWithContainer("") + "extra: 1\n", "extra: unknown or unsupported field"),
        Arguments.of("missing metadata", "apiVersion: v1\nkind: Pod\nspec: {containers: [{name: c, image: busybox}]}\n", "metadata: required"),
        Arguments.of("missing metadata.name", podWithContainer("").replace("  name: p\n", "  namespace: x\n"), "metadata.name: required"),
        Arguments.of("upper-case pod name", podWithContainer("").replace("name: p", "name: Counter"), "metadata.name: \"Counter\" is not a valid DNS-1123 subdomain"),
        Arguments.of("dotted namespace", podWithContainer("").replace("  name: p\n", "  name: p\n  namespace: a.b\n"), "metadata.namespace: \"a.b\" is not a valid DNS-1123 label"),
        Arguments.of("generateName", podWithContainer("").replace("  name: p\n", "  name: p\n  generateName: p-\n"), "metadata.generateName: unknown or unsupported field"),
        Arguments.of("bad uid", podWithContainer("").replace("  name: p\n", "  name: p\n  uid: a_b\n"), "metadata.uid: \"a_b\" must be 1 to 128 letters"),
        Arguments.of("bad label key", podWithContainer("").replace("  name: p\n", "  name: p\n  labels: {-app: x}\n"), "metadata.labels[-app]: key \"-app\" is not a valid qualified name"),
        Arguments.of("bad label prefix", podWithContainer("").replace("  name: p\n", "  name: p\n  labels: {Example.com/app: x}\n"), "metadata.labels[Example.com/app]: the prefix of key"),
        Arguments.of("bad label value", podWithContainer("").replace("  name: p\n", "  name: p\n  labels: {app: b c}\n"), "metadata.labels[app]: \"b c\" is not a valid label value"),
        Arguments.of("numeric label value", podWithContainer("").replace("  name: p\n", "  name: p\n  labels: {version: 1}\n"), "metadata.labels[version]: must be a string"),
        Arguments.of("annotations too large", podWithContainer("").replace("  name: p\n", "  name: p\n  annotations:\n" + bigAnnotations), "metadata.annotations: must be at most 256 KiB in all"),
        // spec
        Arguments.of("missing spec", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n", "spec: required"),
        Arguments.of("no containers", podWithSpec("restartPolicy: Never\n"), "spec.containers: required: at least one container"),
        Arguments.of("empty containers list", podWithSpec("containers: []\n"), "spec.containers: required: at least one container"),
        Arguments.of("containers without a value", podWithSpec("containers:\n"), "spec.containers: required: at least one container"),
        Arguments.of("alias as a key", podWithContainer("").replace("  name: p\n", "  name: p\n  labels: {&k a: b, *k : c}\n"), "manifest is not valid YAML: line 5"),
        Arguments.of("merge key", podWithContainer("").replace("  name: p\n", "  name: p\n  labels: &l {a: b}\n  annotations: {<<: *l}\n"), "manifest uses YAML alias *l"),
        Arguments.of("containers not a list", podWithSpec("containers: {name: c}\n"), "spec.containers: must be a list"),
        Arguments.of("unknown spec field", podWithContainer("").replace("spec:\n", "spec:\n  hostIPC: true\n"), "spec.hostIPC: unknown or unsupported field"),
        Arguments.of("nodeSelector", podWithContainer("").replace("spec:\n", "spec:\n  nodeSelector: {disk: ssd}\n"), "spec.nodeSelector: unknown or unsupported field"),
        Arguments.of("bad restartPolicy", podWithContainer("").replace("spec:\n", "spec:\n  restartPolicy: Sometimes\n"), "spec.restartPolicy: must be one of Always, OnFailure, Never; is \"Sometimes\""),
        Arguments.of("negative grace period", podWithContainer("").replace("spec:\n", "spec:\n  terminationGracePeriodSeconds: -1\n"), "spec.terminationGracePeriodSeconds: must be between 0 and 2147483647, is -1"),
        Arguments.of("grace period as string", podWithContainer("").replace("spec:\n", "spec:\n  terminationGracePeriodSeconds: \"30\"\n"), "spec.terminationGracePeriodSeconds: must be an integer"),
        Arguments.of("grace period as float", podWithContainer("").replace("spec:\n", "spec:\n  terminationGracePeriodSeconds: 1.5\n"), "spec.terminationGracePeriodSeconds: must be an integer"),
        Arguments.of("boolean as string", podWithContainer("").replace("spec:\n", "spec:\n  shareProcessNamespace: \"true\"\n"), "spec.shareProcessNamespace: must be a boolean"),
        Arguments.of("bad hostname", podWithContainer("").replace("spec:\n", "spec:\n  hostname: web_0\n"), "spec.hostname: \"web_0\" is not a valid DNS-1123 label"),
        Arguments.of("bad dnsPolicy", podWithContainer("").replace("spec:\n", "spec:\n  dnsPolicy: Cluster\n"), "spec.dnsPolicy: must be one of"),
        Arguments.of("negative supplemental group", podWithContainer("").replace("spec:\n", "spec:\n  securityContext: {supplementalGroups: [1, -1]}\n"), "spec.securityContext.supplementalGroups[1]: must be between 0 and 2147483647, is -1"),
        Arguments.of("fsGroup", podWithContainer("").replace("spec:\n", "spec:\n  securityContext: {fsGroup: 2000}\n"), "spec.securityContext.fsGroup: unknown or unsupported field"),
        Arguments.of("too many containers", podWithSpec("containers:\n" + containers65), "spec.containers: must have at most 64 items, has 65"),
        Arguments.of("too many containers in all", podWithSpec("initContainers:\n" + init40 + "containers:\n" + containers40), "spec.containers: at most 64 containers and initContainers together, has 80"),
        // containers
        Arguments.of("duplicate container names", podWithSpec("containers:\n- {name: c, image: busybox}\n- {name: c, image: busybox}\n"), "spec.containers[1].name: duplicate container name \"c\""),
        Arguments.of("container named like an init container", podWithSpec("initContainers:\n- {name: c, image: busybox}\ncontainers:\n- {name: c, image: busybox}\n"), "spec.containers[0].name: duplicate container name \"c\""),
        Arguments.of("upper-case container name", podWithSpec("containers:\n- {name: Web, image: busybox}\n"), "spec.containers[0].name: \"Web\" is not a valid DNS-1123 label"),
        Arguments.of("underscore in container name", podWithSpec("containers:\n- {name: my_app, image: busybox}\n"), "spec.containers[0].name: \"my_app\" is not a valid DNS-1123 label"),
        Arguments.of("container name too long", podWithSpec("containers:\n- {name: " + "a".repeat(64) + ", image: busybox}\n"), "spec.containers[0].name: \"" + "a".repeat(64) + "\" is not a valid DNS-1123 label"),
        Arguments.of("missing image", podWithSpec("containers:\n- {name: c}\n"), "spec.containers[0].image: required"),
        Arguments.of("image with whitespace", podWithSpec("containers:\n- {name: c, image: busy box}\n"), "spec.containers[0].image: \"busy box\" must not contain whitespace"),
        Arguments.of("huge string", podWithSpec("containers:\n- {name: c, image: " + "b".repeat(70000) + "}\n"), "spec.containers[0].image: must be at most 65536 characters long"),
        Arguments.of("unknown container field", podWithContainer("stdin: true\n"), "spec.containers[0].stdin: unknown or unsupported field"),
        Arguments.of("misspelt field before required one", podWithSpec("containers:\n- {name: c, imagee: busybox}\n"), "spec.containers[0].imagee: unknown or unsupported field"),
        Arguments.of("args not strings", podWithContainer("args: [1, 2]\n"), "spec.containers[0].args: must be a list of strings"),
        Arguments.of("args a string", podWithContainer("args: sh -c date\n"), "spec.containers[0].args: must be a list of strings"),
        Arguments.of("relative workingDir", podWithContainer("workingDir: tmp\n"), "spec.containers[0].workingDir: \"tmp\" must be an absolute path"),
        Arguments.of("env valueFrom", podWithContainer("env:\n- name: A\n  valueFrom: {fieldRef: {fieldPath: metadata.name}}\n"), "spec.containers[0].env[0].valueFrom: valueFrom is not supported"),
        Arguments.of("bad env name", podWithContainer("env:\n- {name: A, value: x}\n- {name: 1X, value: y}\n"), "spec.containers[0].env[1].name: \"1X\" is not a valid environment variable name"),
        Arguments.of("env value not a string", podWithContainer("env:\n- {name: PORT, value: 8080}\n"), "spec.containers[0].env[0].value: must be a string"),
        Arguments.of("too many env vars", podWithContainer("env:\n" + env1025), "spec.containers[0].env: must have at most 1024 items, has 1025"),
        Arguments.of("bad capability", podWithContainer("securityContext:\n  capabilities: {drop: [ALL], add: [CHOWN, NET_ADMINN]}\n"), "spec.containers[0].securityContext.capabilities.add[1]: unknown capability \"NET_ADMINN\""),
        Arguments.of("privileged without escalation", podWithContainer("securityContext: {privileged: true, allowPrivilegeEscalation: false}\n"), "spec.containers[0].securityContext: cannot set allowPrivilegeEscalation to false and privileged to true"),
        Arguments.of("SYS_ADMIN without escalation", podWithContainer("securityContext: {allowPrivilegeEscalation: false, capabilities: {add: [SYS_ADMIN]}}\n"), "spec.containers[0].securityContext: cannot set allowPrivilegeEscalation to false and add CAP_SYS_ADMIN"),
        Arguments.of("runAsUser out of range", podWithContainer("securityContext: {runAsUser: 2147483648}\n"), "spec.containers[0].securityContext.runAsUser: must be between 0 and 2147483647, is 2147483648"),
        Arguments.of("bad containerPort", podWithContainer("ports: [{containerPort: 70000}]\n"), "spec.containers[0].ports[0].containerPort: must be between 1 and 65535, is 70000"),
        Arguments.of("missing containerPort", podWithContainer("ports: [{name: http}]\n"), "spec.containers[0].ports[0].containerPort: required"),
        Arguments.of("bad port protocol", podWithContainer("ports: [{containerPort: 80, protocol: HTTP}]\n"), "spec.containers[0].ports[0].protocol: must be one of TCP, UDP, SCTP; is \"HTTP\""),
        Arguments.of("hostPort out of range", podWithContainer("ports: [{containerPort: 80, hostPort: 65536}]\n"), "spec.containers[0].ports[0].hostPort: must be between 0 and 65535, is 65536"),
        Arguments.of("hostIP not an address", podWithContainer("ports: [{containerPort: 80, hostPort: 80, hostIP: localhost}]\n"), "spec.containers[0].ports[0].hostIP: \"localhost\" is not an IP address"),
        Arguments.of("hostIP without hostPort", podWithContainer("ports: [{containerPort: 80, hostIP: 127.0.0.1}]\n"), "spec.containers[0].ports[0].hostIP: needs a hostPort"),
        Arguments.of("hostNetwork hostPort differs", podWithContainer("ports: [{containerPort: 80, hostPort: 8080}]\n").replace("spec:\n", "spec:\n  hostNetwork: true\n"), "spec.containers: container \"c\": hostPort 8080 must equal containerPort 80 when hostNetwork is true"),
        Arguments.of("bad imagePullPolicy", podWithContainer("imagePullPolicy: Sometimes\n"), "spec.containers[0].imagePullPolicy: must be one of Always, IfNotPresent, Never"),
        // volume mounts
        Arguments.of("unknown volume in a mount", podWithContainer("volumeMounts: [{name: nope, mountPath: /data}]\n"), "spec.containers[0].volumeMounts[0].name: unknown volume \"nope\""),
        Arguments.of("relative mountPath", withVolume("{name: v, mountPath: var/log}"), "spec.containers[0].volumeMounts[0].mountPath: \"var/log\" must be an absolute path"),
        Arguments.of("dot-dot in mountPath", withVolume("{name: v, mountPath: /var/../etc}"), "spec.containers[0].volumeMounts[0].mountPath: \"/var/../etc\" must not contain \"..\""),
        Arguments.of("duplicate mountPath", withVolume("{name: v, mountPath: /a}, {name: v, mountPath: //a/}"), "spec.containers[0].volumeMounts[1].mountPath: duplicate mount path \"/a\""),
        Arguments.of("dot-dot in subPath", withVolume("{name: v, mountPath: /a, subPath: x/../../etc}"), "spec.containers[0].volumeMounts[0].subPath: \"x/../../etc\" must not contain \"..\""),
        Arguments.of("absolute subPath", withVolume("{name: v, mountPath: /a, subPath: /etc}"), "spec.containers[0].volumeMounts[0].subPath: \"/etc\" must be a relative path"),
        Arguments.of("subPathExpr", withVolume("{name: v, mountPath: /a, subPathExpr: $(POD)}"), "spec.containers[0].volumeMounts[0].subPathExpr: subPathExpr is not supported"),
        Arguments.of("readOnly as string", withVolume("{name: v, mountPath: /a, readOnly: \"yes\"}"), "spec.containers[0].volumeMounts[0].readOnly: must be a boolean"),
        // volumes
        Arguments.of("unsupported volume source", podWithContainer("").replace("spec:\n", "spec:\n  volumes: [{name: cfg, configMap: {name: cfg}}]\n"), "spec.volumes[0].configMap: volume source \"configMap\" is not supported"),
        Arguments.of("volume without source", podWithContainer("").replace("spec:\n", "spec:\n  volumes: [{name: v}]\n"), "spec.volumes[0]: must have exactly one source: hostPath or emptyDir"),
        Arguments.of("volume with two sources", podWithContainer("").replace("spec:\n", "spec:\n  volumes: [{name: v, emptyDir: {}, hostPath: {path: /x}}]\n"), "spec.volumes[0]: must have exactly one source"),
        Arguments.of("duplicate volume names", podWithContainer("").replace("spec:\n", "spec:\n  volumes: [{name: v, emptyDir: {}}, {name: v, emptyDir: {}}]\n"), "spec.volumes[1].name: duplicate volume name \"v\""),
        Arguments.of("bad volume name", podWithContainer("").replace("spec:\n", "spec:\n  volumes: [{name: V, emptyDir: {}}]\n"), "spec.volumes[0].name: \"V\" is not a valid DNS-1123 label"),
        Arguments.of("too many volumes", podWithContainer("").replace("spec:\n", "spec:\n  volumes:\n" + indent(volumes257, 2)), "spec.volumes: must have at most 256 items, has 257"),
        Arguments.of("relative hostPath", podWithContainer("").replace("spec:\n", "spec:\n  volumes: [{name: v, hostPath: {path: data}}]\n"), "spec.volumes[0].hostPath.path: \"data\" must be an absolute path"),
        Arguments.of("dot-dot in hostPath", podWithContainer("").replace("spec:\n", "spec:\n  volumes: [{name: v, hostPath: {path: /var/../etc}}]\n"), "spec.volumes[0].hostPath.path: \"/var/../etc\" must not contain \"..\""),
        Arguments.of("bad hostPath type", podWithContainer("").replace("spec:\n", "spec:\n  volumes: [{name: v, hostPath: {path: /x, type: Dir}}]\n"), "spec.volumes[0].hostPath.type: must be one of DirectoryOrCreate"),
        Arguments.of("bad emptyDir medium", podWithContainer("").replace("spec:\n", "spec:\n  volumes: [{name: v, emptyDir: {medium: HugePages}}]\n"), "spec.volumes[0].emptyDir.medium: must be \"\" (disk) or \"Memory\"; is \"HugePages\""),
        Arguments.of("bad quantity in sizeLimit", podWithContainer("").replace("spec:\n", "spec:\n  volumes: [{name: v, emptyDir: {sizeLimit: 12MB}}]\n"), "spec.volumes[0].emptyDir.sizeLimit: invalid quantity \"12MB\": unknown suffix \"MB\""),
        Arguments.of("negative sizeLimit", podWithContainer("").replace("spec:\n", "spec:\n  volumes: [{name: v, emptyDir: {sizeLimit: -1Gi}}]\n"), "spec.volumes[0].emptyDir.sizeLimit: must not be negative, is \"-1Gi\""),
        Arguments.of("sizeLimit too large", podWithContainer("").replace("spec:\n", "spec:\n  volumes: [{name: v, emptyDir: {sizeLimit: 100E}}]\n"), "spec.volumes[0].emptyDir.sizeLimit: \"100E\" is too large"),
        // resources
        Arguments.of("bad cpu quantity", podWithContainer("resources: {limits: {cpu: 1.5.0}}\n"), "spec.containers[0].resources.limits[cpu]: invalid quantity \"1.5.0\""),
        Arguments.of("bad memory suffix", podWithContainer("resources: {requests: {memory: 128MB}}\n"), "spec.containers[0].resources.requests[memory]: invalid quantity \"128MB\": unknown suffix \"MB\""),
        Arguments.of("negative memory", podWithContainer("resources: {limits: {memory: -1Mi}}\n"), "spec.containers[0].resources.limits[memory]: must not be negative, is \"-1Mi\""),
        Arguments.of("memory too large", podWithContainer("resources: {limits: {memory: 100E}}\n"), "spec.containers[0].resources.limits[memory]: \"100E\" is too large"),
        Arguments.of("request above limit", podWithContainer("resources: {requests: {cpu: 200m}, limits: {cpu: 100m}}\n"), "spec.containers[0].resources.requests[cpu]: must be less than or equal to the cpu limit of 100m"),
        Arguments.of("hugepages request below limit", podWithContainer("resources: {requests: {hugepages-2Mi: 2Mi}, limits: {hugepages-2Mi: 4Mi}}\n"), "spec.containers[0].resources.requests[hugepages-2Mi]: must equal the hugepages-2Mi limit of 4Mi"),
        Arguments.of("unsupported resource", podWithContainer("resources: {limits: {ephemeral-storage: 1Gi}}\n"), "spec.containers[0].resources.limits[ephemeral-storage]: resource \"ephemeral-storage\" cannot be enforced by sandboxd (supported: cpu, memory, hugepages-2Mi)"),
        Arguments.of("resources not a mapping", podWithContainer("resources: {limits: [cpu]}\n"), "spec.containers[0].resources.limits: must be a mapping of resource names to quantities"),
        // a NUL reaches runc (argv, environ, paths, hostname) or containerd (labels) in every string
        Arguments.of("NUL in an env value", podWithContainer("env: [{name: FOO, value: \"a\\0b\"}]\n"), "spec.containers[0].env[0].value: must not contain a NUL character"),
        Arguments.of("NUL in command", podWithContainer("command: [sh, \"-c\\0\"]\n"), "spec.containers[0].command[1]: must not contain a NUL character"),
        Arguments.of("NUL in args", podWithContainer("args: [\"\\0\"]\n"), "spec.containers[0].args[0]: must not contain a NUL character"),
        Arguments.of("NUL in workingDir", podWithContainer("workingDir: \"/w\\0\"\n"), "spec.containers[0].workingDir: must not contain a NUL character"),
        Arguments.of("NUL in image", podWithSpec("containers:\n- name: c\n  image: \"busybox\\0\"\n"), "spec.containers[0].image: must not contain a NUL character"),
        Arguments.of("NUL in mountPath", withVolume("{name: v, mountPath: \"/m\\0\"}"), "spec.containers[0].volumeMounts[0].mountPath: must not contain a NUL character"),
        Arguments.of("NUL in subPath", withVolume("{name: v, mountPath: /m, subPath: \"a\\0\"}"), "spec.containers[0].volumeMounts[0].subPath: must not contain a NUL character"),
        Arguments.of("NUL in hostPath", podWithContainer("").replace("spec:\n", "spec:\n  volumes: [{name: v, hostPath: {path: \"/x\\0\"}}]\n"), "spec.volumes[0].hostPath.path: must not contain a NUL character"),
        Arguments.of("NUL in hostname", podWithContainer("").replace("spec:\n", "spec:\n  hostname: \"h\\0\"\n"), "spec.hostname: must not contain a NUL character"),
        Arguments.of("NUL in a label value", podWithContainer("").replace("name: p\n", "name: p\n  labels: {a: \"b\\0\"}\n"), "metadata.labels[a]: must not contain a NUL character"),
        Arguments.of("NUL in an annotation value", podWithContainer("").replace("name: p\n", "name: p\n  annotations: {a: \"\\0\"}\n"), "metadata.annotations[a]: must not contain a NUL character"),
        Arguments.of("NUL in an annotation key", podWithContainer("").replace("name: p\n", "name: p\n  annotations: {\"a\\0\": b}\n"), "metadata.annotations: keys must not contain a NUL character"),
        Arguments.of("NUL in a field name", podWithContainer("").replace("name: p\n", "name: p\n  \"x\\0\": 1\n"), "metadata: keys must not contain a NUL character"),
        Arguments.of("NUL in an exec probe", podWithContainer("livenessProbe: {exec: {command: [\"\\0\"]}}\n"), "spec.containers[0].livenessProbe.exec.command[0]: must not contain a NUL character"),
        Arguments.of("resource claims", podWithContainer("resources: {claims: [{name: gpu}]}\n"), "spec.containers[0].resources.claims: resource claims (dynamic resource allocation) are not supported"));
  }

  /** A pod with a volume "v" and the container's volumeMounts set to {@code mounts}. */
  private static String withVolume(String mounts) {
    return podWithContainer("volumeMounts: [" + mounts + "]\n").replace("spec:\n", "spec:\n  volumes: [{name: v, emptyDir: {}}]\n");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidManifests")
  void rejectsInvalidManifests(String name, String yaml, String expectedMessage) {
    SandboxdException.InvalidArgument e =
        assertThrows(SandboxdException.InvalidArgument.class, () -> manifests.parse(yaml, false));
    assertTrue(
        e.getMessage().contains(expectedMessage),
        () -> "expected the message to contain\n  " + expectedMessage + "\nbut it was\n  " + e.getMessage());
  }

  @Test
  void lenientModeDropsUnknownFieldsWithWarnings() {
    String yaml =
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: p
          generateName: p-
        spec:
          hostIPC: true
          containers:
          - name: c
            image: busybox
            stdin: true
            resources: {limits: {cpu: 100m, ephemeral-storage: 1Gi}}
        extra: 1
        """;
    ParsedPod parsed = manifests.parse(yaml, true);

    assertEquals(
        List.of(
            "extra: unknown or unsupported field, ignored",
            "metadata.generateName: unknown or unsupported field, ignored",
            "spec.hostIPC: unknown or unsupported field, ignored",
            "spec.containers[0].stdin: unknown or unsupported field, ignored",
            "spec.containers[0].resources.limits[ephemeral-storage]: resource \"ephemeral-storage\" cannot be enforced by sandboxd"
                + " (supported: cpu, memory, hugepages-2Mi), ignored"),
        parsed.warnings());
    assertEquals(parse(podWithSpec("containers:\n- name: c\n  image: busybox\n  resources: {limits: {cpu: 100m}}\n")), parsed.pod());
  }

  @Test
  void lenientModeStillRefusesWhatCannotBeDroppedSafely() {
    SandboxdException.InvalidArgument e =
        assertThrows(
            SandboxdException.InvalidArgument.class,
            () -> manifests.parse(podWithContainer("env:\n- name: A\n  valueFrom: {secretKeyRef: {name: s, key: k}}\n"), true));
    assertEquals("spec.containers[0].env[0].valueFrom: valueFrom is not supported; give the value inline", e.getMessage());
    assertThrows(
        SandboxdException.InvalidArgument.class,
        () -> manifests.parse(podWithContainer("").replace("spec:\n", "spec:\n  volumes: [{name: s, secret: {secretName: s}}]\n"), true));
    assertThrows(SandboxdException.InvalidArgument.class, () -> manifests.parse(podWithSpec("containers:\n- {name: c, image: [x]}\n"), true));
  }

  @Test
  void lenientModeRunsAPodWithoutContainersAsItsSandboxAlone() {
    ParsedPod parsed = manifests.parse(podWithSpec("containers: []\n"), true);

    assertEquals(List.of("spec.containers: no containers: the pod is its sandbox alone"), parsed.warnings());
    assertEquals(List.of(), parsed.pod().spec().containers());
    assertEquals(List.of(), parsed.pod().spec().initContainers());
  }

  @Test
  void errorsAreInvalidArgument() {
    SandboxdException e = assertThrows(SandboxdException.class, () -> manifests.parse("kind: [", false));
    assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, e.code());
  }

  /** kubelet's truncatePodHostnameIfNeeded: at most 63 characters, no trailing '-' or '.'. */
  static Stream<Arguments> hostnames() {
    String a61 = "a".repeat(61);
    return Stream.of(
        Arguments.of("a short name is kept", "web-1", null, "web-1"),
        Arguments.of("spec.hostname wins", "web-1", "db-0", "db-0"),
        Arguments.of("63 characters are kept", "a".repeat(63), null, "a".repeat(63)),
        Arguments.of("64 are cut to 63", "a".repeat(64), null, "a".repeat(63)),
        Arguments.of("a trailing dot goes", a61 + "b.c", null, a61 + "b"),
        Arguments.of("trailing dashes go", a61 + "--b", null, a61),
        Arguments.of("253 characters", a61 + "-b." + "c".repeat(188), null, a61 + "-b"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostnames")
  void theHostnameIsCutAsKubeletCutsIt(String name, String podName, String specHostname, String hostname) {
    String spec = (specHostname == null ? "" : "hostname: " + specHostname + "\n") + "containers:\n- name: c\n  image: busybox\n";
    Pod pod = parse(podWithSpec(spec).replace("name: p\n", "name: " + podName + "\n"));
    assertEquals(podName, pod.metadata().name(), "the pod keeps its name");
    assertEquals(hostname, pod.hostname());
  }

  @Test
  void manifestBytesMustBeUtf8() {
    assertEquals("name: ä", PodManifests.decodeUtf8("name: ä".getBytes(java.nio.charset.StandardCharsets.UTF_8), "manifest"));
    byte[] latin1 = "name: \u00e4x".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    SandboxdException.InvalidArgument e = assertThrows(SandboxdException.InvalidArgument.class,
        () -> PodManifests.decodeUtf8(latin1, "manifest"));
    assertEquals("manifest: is not UTF-8 text (invalid byte sequence at byte 6)", e.getMessage());
    assertThrows(SandboxdException.InvalidArgument.class,
        () -> PodManifests.decodeUtf8(new byte[] {'a', (byte) 0xe2, (byte) 0x82}, "manifest"), "a sequence cut short at the end");
  }
}
