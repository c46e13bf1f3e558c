package dev.sandboxd.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sandboxd.errdefs.SandboxdException;
import dev.sandboxd.metrics.SandboxdMetrics;
import dev.sandboxd.metrics.SandboxdMetrics.Outcome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * The CNI contract as libcni runs it: each plugin of a list exec'd with CNI_* in its environment
 * and its config on stdin (name, cniVersion, prevResult, runtimeConfig from the capabilities it
 * declares); ADD in order up to the first error, DEL in reverse, GC in order past errors. A
 * failure names the network, the plugin and the plugin's own message.
 */
public final class CniPlugins {
  // Longer than any real ADD (CRI-O allows 5 min; a busy bridge plugin takes seconds), shorter
  // than a pod start anybody waits for.
  static final Duration ADD_TIMEOUT = Duration.ofMinutes(2);
  static final Duration DEL_TIMEOUT = Duration.ofMinutes(1);
  static final Duration GC_TIMEOUT = Duration.ofSeconds(30);
  private static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One attachment's runtime side.
   *
   * @param netns "" when the namespace is gone (DEL then frees what lives outside it)
   * @param args CNI_ARGS pairs, in order
   * @param capabilityArgs what the runtime offers for runtimeConfig (portMappings...)
   */
  public record RuntimeConf(String containerId, String netns, String ifName, Map<String, String> args,
      Map<String, Object> capabilityArgs) {
    public RuntimeConf {
      args = Collections.unmodifiableMap(new LinkedHashMap<>(args));
      capabilityArgs = Collections.unmodifiableMap(new LinkedHashMap<>(capabilityArgs));
    }
  }

  /** An attachment GC must keep. */
  public record AttachmentKey(String containerId, String ifName) {}

  private final List<Path> binDirs;
  private final PluginExec exec;
  private final SandboxdMetrics metrics;
  private final String path;

  public CniPlugins(List<Path> binDirs, PluginExec exec, SandboxdMetrics metrics) {
    this.binDirs = List.copyOf(binDirs);
    this.exec = exec;
    this.metrics = metrics;
    // The plugins run iptables and friends from PATH; nothing else of sandboxd's environment is theirs.
    this.path = System.getenv().getOrDefault("PATH", DEFAULT_PATH);
  }

  /** ADD through the whole list; the final result. */
  public JsonNode add(NetworkList list, RuntimeConf rt) {
    long started = System.nanoTime();
    try {
      JsonNode prev = null;
      for (ObjectNode plugin : list.plugins()) {
        byte[] out = run(list, plugin, "ADD", rt, prev, ADD_TIMEOUT);
        prev = parseResult(list, plugin, out);
      }
      metrics.cniOperation(list.name(), "ADD", Outcome.SUCCESS, Duration.ofNanos(System.nanoTime() - started));
      return prev;
    } catch (RuntimeException e) {
      metrics.cniOperation(list.name(), "ADD", Outcome.ERROR, Duration.ofNanos(System.nanoTime() - started));
      throw e;
    }
  }

  /**
   * DEL in reverse order with the cached result as every plugin's prevResult; stops at the first
   * error. A plugin whose binary is missing is passed over (unlike libcni): it cannot have made
   * anything to undo, and stopping there would leave the IP of the plugins before it reserved.
   */
  public void del(NetworkList list, RuntimeConf rt, JsonNode cachedResult) {
    long started = System.nanoTime();
    try {
      List<ObjectNode> reversed = new ArrayList<>(list.plugins());
      Collections.reverse(reversed);
      for (ObjectNode plugin : reversed) {
        if (lookup(NetworkList.type(plugin)).isEmpty()) {
          continue;
        }
        run(list, plugin, "DEL", rt, cachedResult, DEL_TIMEOUT);
      }
      metrics.cniOperation(list.name(), "DEL", Outcome.SUCCESS, Duration.ofNanos(System.nanoTime() - started));
    } catch (RuntimeException e) {
      metrics.cniOperation(list.name(), "DEL", Outcome.ERROR, Duration.ofNanos(System.nanoTime() - started));
      throw e;
    }
  }

  /** GC to every plugin, in order, past errors; the errors, if any, come back together. */
  public List<String> gc(NetworkList list, List<AttachmentKey> valid) {
    long started = System.nanoTime();
    List<String> errors = new ArrayList<>();
    ArrayNode attachments = JSON.createArrayNode();
    valid.forEach(a -> attachments.addObject().put("containerID", a.containerId()).put("ifname", a.ifName()));
    for (ObjectNode plugin : list.plugins()) {
      ObjectNode conf = stdinConfig(list, plugin, null, Map.of());
      conf.set("cni.dev/valid-attachments", attachments);
      conf.set("cni.dev/attachments", attachments);
      try {
        invoke(list, plugin, "GC", env("GC", "", "", "", Map.of()), conf, GC_TIMEOUT);
      } catch (RuntimeException e) {
        errors.add(e.getMessage());
      }
    }
    metrics.cniOperation(list.name(), "GC", errors.isEmpty() ? Outcome.SUCCESS : Outcome.ERROR,
        Duration.ofNanos(System.nanoTime() - started));
    return errors;
  }

  private byte[] run(NetworkList list, ObjectNode plugin, String verb, RuntimeConf rt, JsonNode prev, Duration timeout) {
    ObjectNode conf = stdinConfig(list, plugin, prev, rt.capabilityArgs());
    return invoke(list, plugin, verb, env(verb, rt.containerId(), rt.netns(), rt.ifName(), rt.args()), conf, timeout);
  }

  private byte[] invoke(NetworkList list, ObjectNode plugin, String verb, Map<String, String> env, ObjectNode conf,
      Duration timeout) {
    String type = NetworkList.type(plugin);
    Path binary = find(list, type);
    byte[] stdin;
    try {
      stdin = JSON.writeValueAsBytes(conf);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    PluginExec.Output out = exec.run(binary, env, stdin, timeout);
    if (out.exitCode() != 0) {
      throw pluginError(list, type, verb, out);
    }
    return out.stdout();
  }

  /** The plugin's object plus what libcni injects; runtimeConfig only for the capabilities it declares. */
  static ObjectNode stdinConfig(NetworkList list, ObjectNode plugin, JsonNode prev, Map<String, Object> capabilityArgs) {
    ObjectNode conf = plugin.deepCopy();
    conf.put("name", list.name());
    conf.put("cniVersion", list.cniVersion());
    if (prev != null) {
      conf.set("prevResult", prev);
    }
    JsonNode caps = plugin.path("capabilities");
    ObjectNode runtimeConfig = JSON.createObjectNode();
    capabilityArgs.forEach((capability, value) -> {
      if (caps.path(capability).asBoolean(false)) {
        runtimeConfig.set(capability, JSON.valueToTree(value));
      }
    });
    if (!runtimeConfig.isEmpty()) {
      conf.set("runtimeConfig", runtimeConfig);
    }
    return conf;
  }

  private Map<String, String> env(String verb, String containerId, String netns, String ifName, Map<String, String> args) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", path);
    env.put("CNI_COMMAND", verb);
    env.put("CNI_PATH", String.join(":", binDirs.stream().map(Path::toString).toList()));
    if (!verb.equals("GC")) {
      env.put("CNI_CONTAINERID", containerId);
      env.put("CNI_NETNS", netns);
      env.put("CNI_IFNAME", ifName);
      StringJoiner cniArgs = new StringJoiner(";");
      cniArgs.add("IgnoreUnknown=1");
      args.forEach((k, v) -> cniArgs.add(k + "=" + v));
      env.put("CNI_ARGS", cniArgs.toString());
    }
    return env;
  }

  /** The first regular file named type in the plugin dirs, as libcni's FindInPath. */
  private Path find(NetworkList list, String type) {
    return lookup(type).orElseThrow(() -> SandboxdException.failedPrecondition("CNI network \"%s\": plugin \"%s\" not found in %s (--cni-bin-dir)",
        list.name(), type, String.join(":", binDirs.stream().map(Path::toString).toList())));
  }

  private Optional<Path> lookup(String type) {
    return binDirs.stream().map(dir -> dir.resolve(type)).filter(Files::isRegularFile).findFirst();
  }

  private static JsonNode parseResult(NetworkList list, ObjectNode plugin, byte[] out) {
    try {
      JsonNode result = JSON.readTree(out);
      if (result == null || !result.isObject()) {
        throw new IOException("no result object on stdout");
      }
      return result;
    } catch (IOException e) {
      throw SandboxdException.failedPrecondition("CNI network \"%s\": plugin \"%s\" ADD gave no valid result: %s",
          list.name(), NetworkList.type(plugin), e.getMessage());
    }
  }

  /**
   * The plugin's error object ({"code","msg","details"}) from stdout, stderr as the fallback. Code
   * 11 (try again later) is Unavailable; everything else a node problem the caller cannot fix by
   * asking again.
   */
  static SandboxdException pluginError(NetworkList list, String type, String verb, PluginExec.Output out) {
    String message = null;
    int code = 0;
    try {
      JsonNode err = JSON.readTree(out.stdout());
      if (err != null && err.isObject() && err.hasNonNull("msg")) {
        code = err.path("code").asInt(0);
        message = err.get("msg").asText();
        String details = err.path("details").asText("");
        if (!details.isEmpty()) {
          message += ": " + details;
        }
      }
    } catch (IOException e) {
      // not an error object: stderr says what happened
    }
    if (message == null) {
      String stderr = new String(out.stderr(), StandardCharsets.UTF_8).strip();
      String stdout = new String(out.stdout(), StandardCharsets.UTF_8).strip();
      message = !stderr.isEmpty() ? stderr : !stdout.isEmpty() ? stdout : "exit code " + out.exitCode() + ", no message";
    }
    String text = String.format("CNI network \"%s\": plugin \"%s\" %s failed: %s%s", list.name(), type, verb, message,
        code != 0 ? " (code " + code + ")" : "");
    return code == 11 ? SandboxdException.unavailable(text, null) : SandboxdException.failedPrecondition("%s", text);
  }
}
