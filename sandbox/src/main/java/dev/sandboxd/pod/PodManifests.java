package dev.sandboxd.pod;

import static dev.sandboxd.pod.ManifestObject.invalid;
import static dev.sandboxd.pod.ManifestObject.quote;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.sandboxd.errdefs.SandboxdException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Turns a Kubernetes v1 Pod manifest (YAML, or JSON when it starts with '{', as kubectl decides)
 * into a validated {@link Pod}. Every error is an invalid-argument error naming the field path.
 * Strict mode refuses fields sandboxd does not know or support yet; lenient mode drops them and
 * says so in {@link ParsedPod#warnings()}.
 */
public final class PodManifests {

  public static final int MAX_MANIFEST_BYTES = 1024 * 1024;
  static final int MAX_NESTING_DEPTH = 64;
  static final int MAX_ANNOTATION_BYTES = 256 * 1024;
  static final String DEFAULT_NAMESPACE = "default";
  private static final Pattern UID = Pattern.compile("[A-Za-z0-9-]{1,128}");

  // status is what `kubectl get -o yaml` adds; it says nothing about what to run.
  private static final FieldSet POD = FieldSet.of("apiVersion", "kind", "metadata", "spec", "status");
  private static final FieldSet METADATA = FieldSet.of("name", "namespace", "uid", "labels", "annotations");

  private final Supplier<String> uids;
  private final YAMLFactory yamlFactory;
  private final ObjectMapper yamlMapper;
  private final ObjectMapper jsonMapper;

  /** @param uids makes the uid of a pod whose manifest has none */
  public PodManifests(Supplier<String> uids) {
    this.uids = uids;
    StreamReadConstraints limits = StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build();
    this.yamlFactory =
        YAMLFactory.builder()
            .streamReadConstraints(limits)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            // the builder, unlike new YAMLFactory(), starts with this off: "key:" must read as null
            .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL)
            .build();
    this.yamlMapper = new ObjectMapper(yamlFactory);
    this.jsonMapper =
        new ObjectMapper(
            JsonFactory.builder()
                .streamReadConstraints(limits)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build());
  }

  /**
   * Manifest bytes as text. Invalid UTF-8 is an input error naming where it is, never replaced
   * (that would run something other than what was written) nor a decoder's bare exception.
   *
   * @param what names the text in the error ("manifest", a file name)
   */
  public static String decodeUtf8(byte[] bytes, String what) {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    // UTF-8 never has more characters than bytes.
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult result = decoder.decode(in, out, true);
    if (!result.isError()) {
      result = decoder.flush(out);
    }
    if (result.isError()) {
      throw SandboxdException.invalidArgument("%s: is not UTF-8 text (invalid byte sequence at byte %d)", what, in.position());
    }
    return out.flip().toString();
  }

  /** Generates missing uids as random UUIDs. */
  public static PodManifests withRandomUids() {
    return new PodManifests(() -> UUID.randomUUID().toString());
  }

  /**
   * Parses and validates one manifest.
   *
   * @param lenient drop unknown and unsupported fields with a warning instead of failing
   * @throws SandboxdException.InvalidArgument naming the field path of the first problem
   */
  public ParsedPod parse(String manifestText, boolean lenient) {
    ManifestContext context = new ManifestContext(lenient);
    JsonNode root = readDocument(manifestText);
    ManifestObject pod = ManifestObject.open("", root, POD, context);
    expect(pod, "apiVersion", "v1");
    expect(pod, "kind", "Pod");
    PodMeta metadata =
        metadata(pod.object("metadata", METADATA).orElseThrow(() -> invalid(pod.path("metadata"), "required")));
    PodSpec spec =
        new PodSpecReader()
            .read(pod.object("spec", PodSpecReader.SPEC).orElseThrow(() -> invalid(pod.path("spec"), "required")));
    return new ParsedPod(new Pod(metadata, spec), context.warnings());
  }

  /**
   * The manifest as JSON, read exactly as {@link #parse} reads it (so it means the same), with
   * annotations put into metadata.annotations over any of the same keys. This is how sandboxd marks
   * the pods it runs on its own: the mark travels inside the manifest, so it is validated and kept
   * like every other field. Syntax errors are thrown as by parse; a manifest whose metadata is not a
   * mapping comes back without the annotations, and parse then names what is wrong with it.
   */
  public String withAnnotations(String manifestText, Map<String, String> annotations) {
    JsonNode root = readDocument(manifestText);
    JsonNode metadata = root.path("metadata");
    JsonNode existing = metadata.path("annotations");
    if (metadata.isObject() && (existing.isObject() || existing.isMissingNode() || existing.isNull())) {
      ObjectNode target = existing.isObject() ? (ObjectNode) existing : ((ObjectNode) metadata).putObject("annotations");
      annotations.forEach(target::put);
    }
    try {
      return jsonMapper.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw SandboxdException.internal("manifest cannot be written as JSON: " + e.getOriginalMessage(), e);
    }
  }

  private JsonNode readDocument(String text) {
    JsonNode root = readTree(text);
    if (root.isMissingNode() || root.isNull()) {
      throw SandboxdException.invalidArgument("manifest is empty");
    }
    return root;
  }

  private JsonNode readTree(String text) {
    // Characters never outnumber UTF-8 bytes, so the cheap check settles most cases.
    if (text.length() > MAX_MANIFEST_BYTES || text.getBytes(StandardCharsets.UTF_8).length > MAX_MANIFEST_BYTES) {
      throw SandboxdException.invalidArgument("manifest is larger than 1 MiB");
    }
    boolean json = text.stripLeading().startsWith("{");
    try {
      return json ? readJson(text) : readYaml(text);
    } catch (StreamConstraintsException e) {
      throw SandboxdException.invalidArgument("manifest exceeds a parser limit: %s",
          ManifestObject.printable(e.getOriginalMessage()));
    } catch (JsonProcessingException e) {
      // SnakeYAML's message spans lines with context and carets; its one-line problem is enough.
      // Either parser quotes the input it stopped at (a broken backslash-u escape and a line break, say): escaped.
      String problem =
          e.getCause() instanceof MarkedYAMLException
              ? ((MarkedYAMLException) e.getCause()).getProblem()
              : e.getOriginalMessage();
      throw SandboxdException.invalidArgument(
          "manifest is not valid %s: %s%s", json ? "JSON" : "YAML", at(e.getLocation()), ManifestObject.printable(problem));
    } catch (IOException e) {
      throw SandboxdException.invalidArgument("manifest cannot be read: %s", ManifestObject.printable(String.valueOf(e.getMessage())));
    }
  }

  private JsonNode readJson(String text) throws IOException {
    try (JsonParser parser = jsonMapper.createParser(text)) {
      JsonNode root = jsonMapper.readTree(parser);
      if (parser.nextToken() != null) {
        throw SandboxdException.invalidArgument(
            "manifest must hold one JSON document; more follows at %s", where(parser.currentTokenLocation()));
      }
      return root;
    }
  }

  /**
   * Jackson reads only the first YAML document and returns an alias as its anchor's name, so a
   * first pass over the tokens refuses both rather than run something other than what was written.
   * Refusing aliases also rules out "billion laughs" expansion. Empty documents (a stray "---")
   * are skipped, as kubectl skips them.
   */
  private JsonNode readYaml(String text) throws IOException {
    try (YAMLParser parser = yamlFactory.createParser(text)) {
      int depth = 0;
      int documents = 0;
      for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
        if (parser.isCurrentAlias()) {
          throw SandboxdException.invalidArgument(
              "manifest uses YAML alias *%s at %s; aliases are not supported",
              parser.getText(), where(parser.currentTokenLocation()));
        }
        if (depth == 0 && token != JsonToken.VALUE_NULL && ++documents > 1) {
          throw SandboxdException.invalidArgument(
              "manifest must hold one YAML document; another starts at %s", where(parser.currentTokenLocation()));
        }
        depth += token.isStructStart() ? 1 : token.isStructEnd() ? -1 : 0;
      }
    }
    try (YAMLParser parser = yamlFactory.createParser(text)) {
      JsonToken token = parser.nextToken();
      while (token == JsonToken.VALUE_NULL) {
        token = parser.nextToken();
      }
      return token == null ? MissingNode.getInstance() : yamlMapper.readTree(parser);
    }
  }

  private static String at(JsonLocation location) {
    return location == null || location.getLineNr() < 1 ? "" : where(location) + ": ";
  }

  private static String where(JsonLocation location) {
    return "line " + location.getLineNr() + ", column " + location.getColumnNr();
  }

  private static void expect(ManifestObject pod, String field, String wanted) {
    String value = pod.requiredString(field);
    if (!value.equals(wanted)) {
      throw invalid(pod.path(field), "must be " + quote(wanted) + ", is " + quote(value));
    }
  }

  private PodMeta metadata(ManifestObject m) {
    String name = KubernetesNames.dns1123Subdomain(m.path("name"), m.requiredString("name"));
    String namespace =
        m.string("namespace")
            .map(ns -> KubernetesNames.dns1123Label(m.path("namespace"), ns))
            .orElse(DEFAULT_NAMESPACE);
    String uid =
        m.string("uid")
            .map(
                u -> {
                  if (!UID.matcher(u).matches()) {
                    throw invalid(m.path("uid"), quote(u) + " must be 1 to 128 letters, digits or '-'");
                  }
                  return u;
                })
            .orElseGet(uids);
    Map<String, String> labels = m.stringMap("labels");
    labels.forEach(
        (key, value) -> {
          String path = m.path("labels") + "[" + key + "]";
          KubernetesNames.qualifiedName(path, key);
          KubernetesNames.labelValue(path, value);
        });
    Map<String, String> annotations = m.stringMap("annotations");
    long annotationBytes = 0;
    for (Map.Entry<String, String> annotation : annotations.entrySet()) {
      // Kubernetes checks annotation keys case-insensitively.
      KubernetesNames.qualifiedName(
          m.path("annotations") + "[" + annotation.getKey() + "]", annotation.getKey().toLowerCase(Locale.ROOT));
      annotationBytes += annotation.getKey().getBytes(StandardCharsets.UTF_8).length;
      annotationBytes += annotation.getValue().getBytes(StandardCharsets.UTF_8).length;
    }
    if (annotationBytes > MAX_ANNOTATION_BYTES) {
      throw invalid(m.path("annotations"), "must be at most 256 KiB in all, are " + annotationBytes + " bytes");
    }
    return new PodMeta(name, namespace, uid, labels, annotations);
  }
}
