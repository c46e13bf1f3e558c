package dev.sandboxd.network;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** Runs one CNI plugin binary: the side effect behind {@link CniPlugins}, so tests can fake it. */
public interface PluginExec {

  /** Runs binary with exactly env, stdin written and closed; kills it after timeout. */
  Output run(Path binary, Map<String, String> env, byte[] stdin, Duration timeout);

  record Output(int exitCode, byte[] stdout, byte[] stderr) {}
}
