package dev.sandboxd.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * sandboxctl's man pages in roff, made from its picocli command tree at build time: {@code
 * sandboxctl.1} and one {@code sandboxctl-COMMAND.1} per command ({@code sandboxctl-image-import.1}
 * for nested ones), so that {@code man sandboxctl-run} works once they are on the MANPATH.
 * Written straight as man(7) macros: no asciidoctor step.
 */
public final class ManPages {
  private ManPages() {}

  /** Writes the pages into the directory given (a man1 directory). */
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: ManPages OUTPUT_DIRECTORY");
      System.exit(2);
    }
    Path dir = Files.createDirectories(Path.of(args[0]));
    Map<String, String> pages = pages(Sandboxctl.commandLine(new Sandboxctl()).getCommandSpec());
    for (Map.Entry<String, String> page : pages.entrySet()) {
      Files.writeString(dir.resolve(page.getKey() + ".1"), page.getValue(), StandardCharsets.UTF_8);
    }
    System.out.println("wrote " + pages.size() + " man pages to " + dir);
  }

  /** Page name (sandboxctl, sandboxctl-run, ...) to its roff text, hidden commands left out. */
  static Map<String, String> pages(CommandSpec root) {
    Map<String, String> pages = new LinkedHashMap<>();
    add(root, root.version().length > 0 ? root.version()[0] : root.name(), root.name(), pages);
    return pages;
  }

  private static void add(CommandSpec command, String version, String rootName, Map<String, String> pages) {
    String page = command.qualifiedName("-");
    StringBuilder roff = new StringBuilder();
    roff.append(".TH ").append(escape(page.toUpperCase(java.util.Locale.ROOT))).append(" 1 \"\" \"")
        .append(escape(version)).append("\" \"").append(escape(rootName)).append(" manual\"\n");
    roff.append(".SH NAME\n").append(escape(page)).append(" \\- ").append(escape(firstLine(command))).append('\n');
    roff.append(".SH SYNOPSIS\n.nf\n");
    String synopsis = new Help(command, Help.defaultColorScheme(Help.Ansi.OFF)).synopsis(0).strip();
    synopsis.lines().forEach(line -> roff.append(escape(line)).append('\n'));
    roff.append(".fi\n");
    roff.append(".SH DESCRIPTION\n");
    for (String line : command.usageMessage().description()) {
      roff.append(escape(line)).append("\n.PP\n");
    }
    List<OptionSpec> options = command.options().stream().filter(o -> !o.hidden()).toList();
    if (!options.isEmpty()) {
      roff.append(".SH OPTIONS\n");
      for (OptionSpec option : options) {
        roff.append(".TP\n");
        List<String> names = List.of(option.names());
        for (int i = 0; i < names.size(); i++) {
          roff.append(i > 0 ? ", " : "").append("\\fB").append(escape(names.get(i))).append("\\fR");
        }
        if (option.arity().max() > 0) {
          roff.append("=\\fI").append(escape(option.paramLabel())).append("\\fR");
        }
        roff.append('\n').append(escape(description(option))).append('\n');
      }
    }
    if (!command.positionalParameters().isEmpty()) {
      roff.append(".SH ARGUMENTS\n");
      command.positionalParameters().forEach(param -> roff.append(".TP\n\\fI").append(escape(param.paramLabel()))
          .append("\\fR\n").append(escape(description(param))).append('\n'));
    }
    List<CommandSpec> subcommands = visible(command);
    if (!subcommands.isEmpty()) {
      roff.append(".SH COMMANDS\n");
      for (CommandSpec sub : subcommands) {
        roff.append(".TP\n\\fB").append(escape(sub.name())).append("\\fR\n").append(escape(firstLine(sub)))
            .append(" See \\fB").append(escape(sub.qualifiedName("-"))).append("\\fR(1).\n");
      }
    }
    roff.append(".SH SEE ALSO\n");
    if (command.parent() != null) {
      roff.append("\\fB").append(escape(command.parent().qualifiedName("-"))).append("\\fR(1)\n");
    } else {
      roff.append("\\fBsandboxd\\fR, the README of sandboxd\n");
    }
    pages.put(page, roff.toString());
    subcommands.forEach(sub -> add(sub, version, rootName, pages));
  }

  private static List<CommandSpec> visible(CommandSpec command) {
    return command.subcommands().entrySet().stream()
        .filter(e -> e.getKey().equals(e.getValue().getCommandName()))
        .map(e -> e.getValue().getCommandSpec())
        .filter(spec -> !spec.usageMessage().hidden())
        .toList();
  }

  private static String firstLine(CommandSpec command) {
    String[] description = command.usageMessage().description();
    return description.length > 0 ? description[0] : "";
  }

  private static String description(ArgSpec arg) {
    return String.join(" ", arg.description());
  }

  /** Text safe in a roff line: backslashes and hyphens escaped, no line read as a request. */
  static String escape(String text) {
    String escaped = text.replace("\\", "\\e").replace("-", "\\-");
    return escaped.startsWith(".") || escaped.startsWith("'") ? "\\&" + escaped : escaped;
  }
}
