package dev.sandboxd.pod;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import dev.sandboxd.fuzz.Fuzzer;
import java.util.Random;

/**
 * Structured mutations of valid pod manifests for fuzzing: a few nodes of a valid manifest's tree
 * replaced by a wrong type, an edge number, deep nesting, an unknown field, odd unicode, NULs, a
 * long string or nothing; then written as YAML or JSON, or cut and spliced as text. The result is
 * a manifest just off a valid one, where parsers hide their mistakes.
 */
final class ManifestMutations implements Fuzzer.Mutator<ManifestMutations.Manifest, ManifestMutations.Mutation> {
  static final String RICH_MANIFEST = """
      apiVersion: v1
      kind: Pod
      metadata:
        name: rich
        namespace: fuzz
        uid: 0a1b2c3d-uid
        labels: {app: web, tier: front}
        annotations: {example.com/note: "some text"}
      spec:
        restartPolicy: OnFailure
        terminationGracePeriodSeconds: 5
        shareProcessNamespace: true
        hostname: rich-host
        securityContext: {runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true, supplementalGroups: [5, 6]}
        volumes:
        - {name: data, emptyDir: {medium: Memory, sizeLimit: 64Mi}}
        - {name: logs, hostPath: {path: /var/log/rich, type: DirectoryOrCreate}}
        initContainers:
        - {name: init, image: busybox, command: [sh, -c, "true"]}
        - name: sidecar
          image: busybox
          restartPolicy: Always
          command: [sleep, "3600"]
        containers:
        - name: app
          image: localhost/sandboxd/busybox:1.35
          command: [sh, -c]
          args: ["echo hi; sleep 3600"]
          workingDir: /tmp
          env: [{name: A, value: "1"}, {name: B, value: "two"}]
          ports: [{name: http, containerPort: 8080, protocol: TCP}]
          imagePullPolicy: IfNotPresent
          volumeMounts:
          - {name: data, mountPath: /data, subPath: sub}
          - {name: logs, mountPath: /logs, readOnly: true}
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {cpu: "1", memory: 128Mi, hugepages-2Mi: 0}
          securityContext:
            runAsUser: 1001
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
            capabilities: {add: [NET_ADMIN], drop: [ALL]}
          lifecycle: {preStop: {exec: {command: [sh, -c, "sleep 1"]}}}
          startupProbe: {exec: {command: ["true"]}, periodSeconds: 1, failureThreshold: 30}
          livenessProbe: {httpGet: {path: /healthz, port: http, scheme: HTTP, httpHeaders: [{name: X-A, value: b}]}}
          readinessProbe: {tcpSocket: {port: 8080}, initialDelaySeconds: 1, timeoutSeconds: 2, successThreshold: 1}
      """;

  private static final String COUNTER_MANIFEST = """
      apiVersion: v1
      kind: Pod
      metadata:
        name: counter
      spec:
        volumes:
        - name: varlog
          hostPath:
            path: /var/log/counter
        containers:
        - name: count
          image: localhost/sandboxd/busybox:1.35
          args: [/bin/sh, -c, 'i=0; while true; do echo "$i" >> /var/log/1.log; i=$((i+1)); sleep 1; done']
          volumeMounts: [{name: varlog, mountPath: /var/log}]
      """;

  enum Kind {
    DELETE, STRING, INTEGER, HUGE_NUMBER, NEGATIVE, FRACTION, BOOLEAN, NULL, EMPTY_LIST, EMPTY_MAP, LIST_OF_IT,
    DEEP_NESTING, UNKNOWN_FIELD, UNICODE, NUL, LONG_STRING, NUMERIC_STRING, QUANTITY, DUPLICATE_ITEM,
    /** Cuts or splices YAML syntax into the text: the one edit after which the text may be malformed. */
    TEXT_SPLICE
  }

  /** One edit: what, to which node (taken modulo the tree's size, in document order), which variant. */
  record Mutation(Kind kind, int target, int choice) {}

  /**
   * The text to parse, with the tree it was written from (so it is well-formed), or null once it
   * was spliced as text.
   */
  record Manifest(String text, JsonNode tree, boolean json) {
    boolean wellFormed() {
      return tree != null;
    }

    @Override
    public String toString() {
      return (json ? "JSON" : "YAML") + (wellFormed() ? "" : ", spliced") + ":\n" + text;
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private static final List<String> STRINGS = List.of("", " ", "-", "..", "/", "a/../../etc", "UPPER", "a_b",
      "x".repeat(64), "x".repeat(254), "\u00e9t\u00e9", "\u202eevil", "\ud83d\ude00", "\ufeff", "\u2028", "\t\n",
      "*alias", "&anchor", "!!binary", "{}", "[]", "null", "~", "true", "0x1F", "1e400", "-0", ".inf", "NaN",
      "${HOME}", "$(reboot)", "%s%n", "'", "\"", "\\", "#");
  private static final List<String> QUANTITIES = List.of("1e2147483647", "1e-2147483648", "9223372036854775807",
      "9223372036854775808", "-1", "1Ei", "8Ei", "0.0000000001", "1.5Gi", "1e", "e3", "Ki", "+", ".", "1.2.3",
      "100m", "0", "99999999999999999999999999999Ki", "1E+18", "1e-9", "0.5m", "1e19", "18446744073709551616");
  private static final List<BigInteger> HUGE = List.of(BigInteger.TWO.pow(31), BigInteger.TWO.pow(63).subtract(BigInteger.ONE),
      BigInteger.TWO.pow(63), BigInteger.TWO.pow(64), BigInteger.TEN.pow(100), BigInteger.valueOf(65536),
      BigInteger.valueOf(Integer.MAX_VALUE), BigInteger.valueOf(Long.MIN_VALUE));

  private final List<Manifest> seeds = new ArrayList<>();

  ManifestMutations() {
    for (String yaml : List.of(RICH_MANIFEST, COUNTER_MANIFEST)) {
      JsonNode tree = read(yaml);
      seeds.add(new Manifest(write(tree, false), tree, false));
      seeds.add(new Manifest(write(tree, true), tree, true));
    }
  }

  @Override
  public List<Manifest> seeds() {
    return seeds;
  }

  @Override
  public Mutation edit(Random random) {
    Kind[] kinds = Kind.values();
    // Splicing text is one edit in forty: most inputs should get past the syntax.
    Kind kind = random.nextInt(40) == 0 ? Kind.TEXT_SPLICE : kinds[random.nextInt(kinds.length - 1)];
    return new Mutation(kind, random.nextInt(10_000), random.nextInt(1 << 16));
  }

  @Override
  public Manifest apply(Manifest manifest, Mutation m) {
    if (m.kind() == Kind.TEXT_SPLICE) {
      return new Manifest(splice(manifest.text(), m.choice()), null, manifest.json());
    }
    if (!manifest.wellFormed()) {
      return manifest;
    }
    JsonNode tree = apply(manifest.tree().deepCopy(), m);
    return new Manifest(write(tree, manifest.json()), tree, manifest.json());
  }

  static JsonNode read(String yaml) {
    try {
      return YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String write(JsonNode tree, boolean json) {
    try {
      return json ? JSON.writerWithDefaultPrettyPrinter().writeValueAsString(tree) : YAML.writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Applies one mutation; returns the (possibly new) root. */
  static JsonNode apply(JsonNode root, Mutation m) {
    List<Slot> slots = new ArrayList<>();
    collect(root, null, null, -1, slots);
    Slot slot = slots.get(m.target() % slots.size());
    JsonNode old = slot.node();
    int c = m.choice();
    JsonNode replacement = switch (m.kind()) {
      case DELETE -> null;
      case STRING -> NODES.textNode(STRINGS.get(c % STRINGS.size()));
      case INTEGER -> NODES.numberNode(c - 5_000);
      case HUGE_NUMBER -> NODES.numberNode(HUGE.get(c % HUGE.size()));
      case NEGATIVE -> NODES.numberNode(-1 - c);
      case FRACTION -> NODES.numberNode(new BigDecimal(c).movePointLeft(c % 400).add(new BigDecimal("0.5")));
      case BOOLEAN -> NODES.booleanNode(c % 2 == 0);
      case NULL -> NODES.nullNode();
      case EMPTY_LIST -> NODES.arrayNode();
      case EMPTY_MAP -> NODES.objectNode();
      case LIST_OF_IT -> NODES.arrayNode().add(old.deepCopy());
      case DEEP_NESTING -> nest(old.deepCopy(), 10 + c % 120);
      case UNKNOWN_FIELD -> {
        JsonNode target = old.isObject() ? old.deepCopy() : NODES.objectNode();
        ((ObjectNode) target).put(STRINGS.get(c % STRINGS.size()) + "unknownField", c);
        yield target;
      }
      case UNICODE -> NODES.textNode(old.asText() + STRINGS.get(10 + c % 10));
      case NUL -> NODES.textNode(insertAt(old.asText(), c, "\u0000"));
      case LONG_STRING -> NODES.textNode("y".repeat(1 + (c % 3) * 40_000));
      case NUMERIC_STRING -> NODES.textNode(old.isNumber() ? old.asText() : Integer.toString(c));
      case QUANTITY -> NODES.textNode(QUANTITIES.get(c % QUANTITIES.size()));
      case TEXT_SPLICE -> old;
      case DUPLICATE_ITEM -> old.isArray() && !old.isEmpty() ? ((ArrayNode) old.deepCopy()).add(old.get(c % old.size()).deepCopy()) : old;
    };
    return slot.replaceWith(root, replacement);
  }

  /** A cut or a spliced-in piece of YAML syntax at a position of the text. */
  static String splice(String text, int edit) {
    int at = edit % (text.length() + 1);
    List<String> pieces = List.of(":", "- ", "{", "}", "[", "]", "\n  ", "\t", "&a ", "*a", "!!str ", "? ", "|",
        ">-\n", "'", "\"", "#", "---\n", "...\n", "%YAML 1.1\n", "\u0000", "\ufeff", "\ud800", ",", "@", "`");
    return switch (edit % 3) {
      case 0 -> text.substring(0, at);
      case 1 -> text.substring(0, at) + pieces.get(edit % pieces.size()) + text.substring(at);
      default -> text.substring(0, at) + text.substring(Math.min(text.length(), at + 1 + edit % 50));
    };
  }

  private static JsonNode nest(JsonNode inner, int depth) {
    JsonNode node = inner;
    for (int i = 0; i < depth; i++) {
      node = i % 2 == 0 ? NODES.arrayNode().add(node) : NODES.objectNode().set("n", node);
    }
    return node;
  }

  private static String insertAt(String s, int c, String piece) {
    int at = s.isEmpty() ? 0 : c % (s.length() + 1);
    return s.substring(0, at) + piece + s.substring(at);
  }

  /** A node and where it sits: a field of a mapping, an item of a list, or the root. */
  private record Slot(JsonNode node, JsonNode parent, String field, int index) {
    JsonNode replaceWith(JsonNode root, JsonNode replacement) {
      if (parent == null) {
        return replacement == null ? NODES.objectNode() : replacement;
      }
      if (parent instanceof ObjectNode o) {
        if (replacement == null) {
          o.remove(field);
        } else {
          o.set(field, replacement);
        }
      } else if (parent instanceof ArrayNode a) {
        if (replacement == null) {
          a.remove(index);
        } else {
          a.set(index, replacement);
        }
      }
      return root;
    }
  }

  private static void collect(JsonNode node, JsonNode parent, String field, int index, List<Slot> out) {
    out.add(new Slot(node, parent, field, index));
    if (node.isObject()) {
      for (Map.Entry<String, JsonNode> e : node.properties()) {
        collect(e.getValue(), node, e.getKey(), -1, out);
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        collect(node.get(i), node, null, i, out);
      }
    }
  }
}
