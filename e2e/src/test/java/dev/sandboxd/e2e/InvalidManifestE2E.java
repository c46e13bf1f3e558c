package dev.sandboxd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sandboxd.api.v1.ListPodsRequest;
import dev.sandboxd.api.v1.PodsGrpc;
import dev.sandboxd.api.v1.RunPodRequest;
import dev.sandboxd.cli.Sandboxctl;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad manifests are refused with the field named, by sandboxctl before it calls the daemon and
 * by the daemon itself, and nothing is created in containerd or on the node.
 */
class InvalidManifestE2E {
  private static Node node;
  private static String containersBefore;

  @BeforeAll
  static void startNode() throws Exception {
    node = Node.start("invalid");
    containersBefore = node.ctr("containers", "list", "-q").stdout();
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      assertEquals(containersBefore, node.ctr("containers", "list", "-q").stdout(), "nothing was created in containerd");
      assertEquals(0, node.pods().listPods(ListPodsRequest.getDefaultInstance()).getPodsCount(), "no pod was recorded");
      try (Stream<Path> pods = Files.list(node.dir.resolve("sandboxd/state/pods"))) {
        assertEquals(0, pods.count(), "no state file was written");
      }
      node.close();
    }
  }

  static final String OK_CONTAINER = "{name: app, image: " + Node.BUSYBOX + ", command: [sleep, '1']}";

  static Stream<Arguments> manifests() {
    return Stream.of(
        Arguments.of("syntax error", "apiVersion: v1\nkind: Pod\nmetadata: {name: x\n", "not valid YAML"),
        Arguments.of("missing name", "apiVersion: v1\nkind: Pod\nmetadata: {}\nspec: {containers: [" + OK_CONTAINER + "]}", "metadata.name"),
        Arguments.of("upper-case name", pod("Bad", "containers: [" + OK_CONTAINER + "]"), "metadata.name"),
        Arguments.of("duplicate container", pod("dup", "containers: [" + OK_CONTAINER + ", " + OK_CONTAINER + "]"), "spec.containers[1].name"),
        Arguments.of("container name with underscore", pod("u", "containers: [{name: my_app, image: x}]"), "spec.containers[0].name"),
        Arguments.of("unknown volume", pod("v", "containers: [{name: a, image: x, volumeMounts: [{name: nope, mountPath: /x}]}]"), "spec.containers[0].volumeMounts[0].name"),
        Arguments.of("dot-dot subPath", pod("s", "containers: [{name: a, image: x, volumeMounts: [{name: v, mountPath: /x, subPath: ../etc}]}]\n  volumes: [{name: v, emptyDir: {}}]"), "subPath"),
        Arguments.of("relative mountPath", pod("m", "containers: [{name: a, image: x, volumeMounts: [{name: v, mountPath: x}]}]\n  volumes: [{name: v, emptyDir: {}}]"), "mountPath"),
        Arguments.of("unknown field", pod("f", "containers: [{name: a, image: x, colour: blue}]"), "spec.containers[0].colour"),
        Arguments.of("unsupported volume", pod("p", "containers: [" + OK_CONTAINER + "]\n  volumes: [{name: v, secret: {secretName: s}}]"), "spec.volumes[0]"),
        Arguments.of("bad restart policy", pod("r", "restartPolicy: Sometimes\n  containers: [" + OK_CONTAINER + "]"), "spec.restartPolicy"),
        Arguments.of("negative grace", pod("g", "terminationGracePeriodSeconds: -1\n  containers: [" + OK_CONTAINER + "]"), "spec.terminationGracePeriodSeconds"),
        Arguments.of("no containers", pod("n", "containers: []"), "spec.containers"),
        Arguments.of("bad quantity", pod("q", "containers: [" + OK_CONTAINER + "]\n  volumes: [{name: v, emptyDir: {sizeLimit: 12MB}}]"), "sizeLimit"),
        Arguments.of("wrong kind", "apiVersion: v1\nkind: Deployment\nmetadata: {name: d}\n", "kind"),
        Arguments.of("NUL in an env value", pod("e", "containers: [{name: app, image: x, env: [{name: FOO, value: \"a\\0b\"}]}]"), "spec.containers[0].env[0].value: must not contain a NUL character"),
        Arguments.of("NUL in an argument", pod("a", "containers: [{name: app, image: x, args: [\"\\0\"]}]"), "spec.containers[0].args[0]: must not contain a NUL character"),
        Arguments.of("hostPath traversal", pod("h", "containers: [" + OK_CONTAINER + "]\n  volumes: [{name: v, hostPath: {path: /var/../etc}}]"), "spec.volumes[0].hostPath.path"));
  }

  static String pod(String name, String spec) {
    return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + "}\nspec:\n  " + spec + "\n";
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("manifests")
  void theDaemonRefusesItNamingTheField(String name, String manifest, String field) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> node.pods().runPod(RunPodRequest.newBuilder().setManifest(manifest).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
    assertTrue(e.getStatus().getDescription().contains(field), e.getStatus().getDescription());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("manifests")
  void sandboxctlRefusesItWithOneLine(String name, String manifest, String field) throws Exception {
    Path file = Files.createTempFile("manifest", ".yaml");
    try {
      Files.writeString(file, manifest);
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int code = Sandboxctl.run(new String[] {"--address", node.sandboxdAddress(), "run", "-f", file.toString()},
          new PrintWriter(out, true), new PrintWriter(err, true));
      assertTrue(code != 0, "exit code");
      String message = err.toString().strip();
      assertTrue(message.startsWith("sandboxctl: ") && !message.contains("\n"), message);
      assertTrue(message.contains(field), message);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** A manifest that is not UTF-8 (here Latin-1), sent as bytes by a client that does not check. */
  static final byte[] LATIN1 = ("apiVersion: v1\nkind: Pod\nmetadata: {name: latin}\nspec:\n  containers: [" + OK_CONTAINER
      + "]\n  # caf\u00e9\n").getBytes(StandardCharsets.ISO_8859_1);

  @Test
  void theDaemonRefusesAManifestThatIsNotUtf8NamingTheField() {
    MethodDescriptor.Marshaller<byte[]> raw = new MethodDescriptor.Marshaller<>() {
      @Override
      public InputStream stream(byte[] value) {
        return new ByteArrayInputStream(value);
      }

      @Override
      public byte[] parse(InputStream stream) {
        try {
          return stream.readAllBytes();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    };
    MethodDescriptor<byte[], byte[]> runPod = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(PodsGrpc.getRunPodMethod().getFullMethodName())
        .setRequestMarshaller(raw)
        .setResponseMarshaller(raw)
        .build();
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    request.write(10); // field 1 (manifest), length-delimited
    for (int n = LATIN1.length; ; n >>>= 7) { // varint length
      if (n < 0x80) {
        request.write(n);
        break;
      }
      request.write(n & 0x7f | 0x80);
    }
    request.writeBytes(LATIN1);
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(
        node.pods().getChannel(), runPod, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), request.toByteArray()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
    assertEquals("manifest: is not UTF-8 text (invalid byte sequence at byte 153)", e.getStatus().getDescription());
    assertFalse(node.sandboxdLog().contains("SEVERE"), node.sandboxdLog());
  }

  @Test
  void sandboxctlRefusesAManifestThatIsNotUtf8WithOneLine() throws Exception {
    Path file = Files.createTempFile("manifest", ".yaml");
    try {
      Files.write(file, LATIN1);
      StringWriter err = new StringWriter();
      int code = Sandboxctl.run(new String[] {"--address", node.sandboxdAddress(), "run", "-f", file.toString()},
          new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
      assertEquals(2, code, "bad input exits 2");
      assertEquals("sandboxctl: manifest: is not UTF-8 text (invalid byte sequence at byte 153)", err.toString().strip());
    } finally {
      Files.deleteIfExists(file);
    }
  }
}
