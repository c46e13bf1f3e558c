package dev.sandboxd.cli;

import dev.sandboxd.cri.CriPodConfigs;
import dev.sandboxd.cri.CriPodFiles;
import dev.sandboxd.cri.CriPodPlan;
import dev.sandboxd.pod.ParsedPod;
import dev.sandboxd.pod.PodManifests;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "run", description = "RunPodSandbox with the handler, then creates and starts each container (init containers first, each to exit 0).")
final class CriRunCommand implements Callable<Integer> {
  @ParentCommand CriCommand cri;
  @Spec CommandSpec spec;

  @Option(names = {"-f", "--filename"}, required = true, description = "the Pod manifest (YAML or JSON); - for stdin")
  String file;

  @Option(names = "--handler", defaultValue = "", description = "CRI runtime handler (RuntimeClass handler), e.g. sandboxd; default: containerd's default runtime")
  String handler;

  @Option(names = "--lenient", description = "warn about unknown or unsupported fields instead of failing")
  boolean lenient;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ParsedPod parsed = PodManifests.withRandomUids().parse(RunCommand.readManifest(file), lenient);
    parsed.warnings().forEach(w -> err.println("warning: " + w));
    return cri.withPods(pods -> {
      CriPodPlan plan = CriPodConfigs.plan(parsed.pod(), CriPodFiles.of(pods.podRoot(), parsed.pod().metadata()), cri.cgroupParent());
      plan.warnings().forEach(w -> err.println("warning: " + w));
      pods.awaitReady(Duration.ofSeconds(10));
      String id = pods.run(plan, handler, Duration.ofSeconds(cri.root.timeoutSeconds));
      out.printf("pod %s running through CRI (handler %s, sandbox %s)%n",
          parsed.pod().fullName(), handler.isEmpty() ? "default" : handler, id);
      return 0;
    });
  }
}
