package dev.sandboxd.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "completion",
    description = {"Prints a shell completion script for bash or zsh, made from sandboxctl's own commands and options.",
        "Pod names are completed from the running sandboxd.",
        "bash: source <(sandboxctl completion bash);  zsh: source <(sandboxctl completion zsh)"})
final class CompletionCommand implements Callable<Integer> {
  enum Shell { bash, zsh }

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SHELL", description = "bash or zsh")
  Shell shell;

  @Override
  public Integer call() {
    // The whole tree: this run registered only this command (see Sandboxctl.commandLine).
    CommandSpec tree = Sandboxctl.commandLine(new Sandboxctl()).getCommandSpec();
    String script = CompletionScript.bash(tree);
    PrintWriter out = spec.commandLine().getOut();
    out.print(shell == Shell.zsh ? CompletionScript.ZSH_PRELUDE + script : script);
    out.flush(); // print, unlike println, does not flush the CLI's auto-flushing writer
    return 0;
  }
}
