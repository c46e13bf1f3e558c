package dev.sandboxd.daemon;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares a component of {@link DaemonConfig} as one of sandboxd's settings. The component is
 * the whole declaration: its name is the config file's key ({@code restartBackoff}) and, in
 * kebab-case, the flag ({@code --restart-backoff}); its type picks the parser ({@link
 * SettingTypes}); {@link DaemonSettings} reads the table from these annotations.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
@interface Setting {
  /** One line for --help; the default is appended to it. */
  String help();

  /** The default, written as on the command line ("" is a value too). */
  String defaultValue();

  /** What --help shows for the value (e.g. DIR); empty: derived from the type. */
  String label() default "";

  /** A check of the parsed value beyond its type. */
  SettingCheck check() default SettingCheck.NONE;
}
