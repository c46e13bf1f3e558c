package dev.sandboxd.cli;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * A bash completion script made from a picocli command tree, a pure function of it: the tree's
 * commands, options and positional parameters become one table ({@code _NAME_model}); a small
 * fixed driver walks the words typed so far through it. A value is completed by its kind: pod
 * names (asked of the running sandboxd through the hidden {@value CompletePodsCommand#NAME}),
 * files, or the fixed words of an enum. zsh runs the same script through bashcompinit.
 */
final class CompletionScript {
  static final String ZSH_PRELUDE = """
      autoload -U +X compinit && compinit
      autoload -U +X bashcompinit && bashcompinit
      """;

  /** Parameters with this label are pods (every POD in sandboxctl's commands). */
  static final String POD_LABEL = "POD";

  private CompletionScript() {}

  static String bash(CommandSpec root) {
    StringBuilder model = new StringBuilder();
    describe(root, "", model);
    return DRIVER.replace("@MODEL@", model).replace("@NAME@", root.name()).replace("@PODS@", CompletePodsCommand.NAME);
  }

  private static void describe(CommandSpec command, String path, StringBuilder model) {
    List<String> commands = new ArrayList<>();
    command.subcommands().forEach((name, sub) -> {
      if (!sub.getCommandSpec().usageMessage().hidden() && name.equals(sub.getCommandName())) {
        commands.add(name);
      }
    });
    List<String> options = new ArrayList<>();
    List<String> valued = new ArrayList<>();
    for (OptionSpec option : command.options()) {
      if (option.hidden()) {
        continue;
      }
      for (String name : option.names()) {
        options.add(name);
        if (option.arity().max() > 0) {
          valued.add(name + "=" + kind(option));
        }
      }
    }
    List<String> params = new ArrayList<>();
    for (PositionalParamSpec param : command.positionalParameters()) {
      params.add(kind(param) + (param.arity().max() > 1 ? "+" : ""));
    }
    model.append("    \"").append(path).append("\") case $2 in\n")
        .append("        commands) echo \"").append(String.join(" ", commands)).append("\" ;;\n")
        .append("        options) echo \"").append(String.join(" ", options)).append("\" ;;\n")
        .append("        valued) echo \"").append(String.join(" ", valued)).append("\" ;;\n")
        .append("        params) echo \"").append(String.join(" ", params)).append("\" ;;\n")
        .append("      esac ;;\n");
    command.subcommands().forEach((name, sub) -> {
      if (name.equals(sub.getCommandName())) {
        describe(sub.getCommandSpec(), path + " " + name, model);
      }
    });
  }

  /** How a value is completed: pods, files, w:ONE,TWO (fixed words) or none. */
  private static String kind(ArgSpec arg) {
    if (arg.paramLabel().equals(POD_LABEL)) {
      return "pods";
    }
    if (arg.completionCandidates() != null) {
      return "w:" + StreamSupport.stream(arg.completionCandidates().spliterator(), false).collect(Collectors.joining(","));
    }
    Class<?> type = arg.type();
    if (type == Path.class || type == File.class || arg.paramLabel().toLowerCase(Locale.ROOT).contains("file")) {
      return "files";
    }
    return "none";
  }

  /** The driver; a positional parameter's kind ending in + also takes every later word. */
  private static final String DRIVER = """
      # @NAME@ completion for bash (zsh: through bashcompinit), made from @NAME@'s own command model
      # by `@NAME@ completion bash`. Pod names come from the running sandboxd.
      _@NAME@_model() { # COMMAND-PATH FIELD
        case "$1" in
      @MODEL@  esac
      }
      _@NAME@_has_command() { # PATH WORD
        local c
        for c in $(_@NAME@_model "$1" commands); do [ "$c" = "$2" ] && return 0; done
        return 1
      }
      _@NAME@_valued() { # PATH OPTION: prints the kind of the option's value; fails if it takes none
        local v
        for v in $(_@NAME@_model "$1" valued); do
          if [ "${v%%=*}" = "$2" ]; then echo "${v#*=}"; return 0; fi
        done
        return 1
      }
      _@NAME@_param() { # PATH N: the kind of the N-th positional parameter (from 0)
        local k i=0 last=
        for k in $(_@NAME@_model "$1" params); do
          if [ "$i" = "$2" ]; then echo "${k%+}"; return; fi
          last=$k; i=$((i + 1))
        done
        case $last in *+) echo "${last%+}" ;; esac
      }
      _@NAME@_words() { # KIND ADDRESS
        case $1 in
          pods) if [ -n "$2" ]; then @NAME@ --address "$2" @PODS@ 2>/dev/null; else @NAME@ @PODS@ 2>/dev/null; fi ;;
          w:*) local w=${1#w:}; echo "${w//,/ }" ;;
        esac
      }
      _@NAME@() {
        local cur=${COMP_WORDS[COMP_CWORD]} path= opt= address= word kind i n=0
        for ((i = 1; i < COMP_CWORD; i++)); do
          word=${COMP_WORDS[i]}
          if [ -n "$opt" ]; then
            [ "$opt" = --address ] && address=$word
            opt=; continue
          fi
          case $word in
            --address=*) address=${word#--address=} ;;
            -*=*) ;;
            -*) if _@NAME@_valued "$path" "$word" >/dev/null; then opt=$word; fi ;;
            *) if [ "$n" = 0 ] && _@NAME@_has_command "$path" "$word"; then path="$path $word"; else n=$((n + 1)); fi ;;
          esac
        done
        if [ -n "$opt" ]; then
          kind=$(_@NAME@_valued "$path" "$opt")
        elif [[ $cur == -* ]]; then
          COMPREPLY=($(compgen -W "$(_@NAME@_model "$path" options)" -- "$cur")); return 0
        elif [ "$n" = 0 ] && [ -n "$(_@NAME@_model "$path" commands)" ]; then
          COMPREPLY=($(compgen -W "$(_@NAME@_model "$path" commands)" -- "$cur")); return 0
        else
          kind=$(_@NAME@_param "$path" "$n")
        fi
        case $kind in
          files) COMPREPLY=($(compgen -f -- "$cur")) ;;
          pods|w:*) COMPREPLY=($(compgen -W "$(_@NAME@_words "$kind" "$address")" -- "$cur")) ;;
          *) COMPREPLY=() ;;
        esac
        return 0
      }
      complete -F _@NAME@ @NAME@
      """;
}
