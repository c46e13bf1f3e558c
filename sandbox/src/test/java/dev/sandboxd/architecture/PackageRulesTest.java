package dev.sandboxd.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package rules of sandboxd's main code, checked on the compiled classes. Each package is one
 * concern; the arrows point down, from entry points (daemon, cli, server) through the pod
 * lifecycle to the sandbox, containers, volumes, cgroups, spec builder and the pod model:
 * <ol>
 *   <li>no cycles between packages;
 *   <li>the sandbox seam knows no pod manifest and no lifecycle (containerd's CRI drives it too);
 *   <li>the OCI spec builder, the pod model and system calls depend on nothing above them;
 *   <li>containers, volumes, cgroups, images and the runtime adapter know nothing of the lifecycle;
 *   <li>the lifecycle knows nothing of its callers (servers, daemon, CLI, metrics, static pods).
 * </ol>
 */
class PackageRulesTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.sandboxd");
  }

  @Test
  void packagesHaveNoCycles() {
    slices().matching("dev.sandboxd.(*)..").should().beFreeOfCycles().check(classes);
  }

  @Test
  void theSandboxSeamKnowsNoManifestAndNoLifecycle() {
    noClasses().that().resideInAPackage("dev.sandboxd.sandbox..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "dev.sandboxd.pod..", "dev.sandboxd.lifecycle..", "dev.sandboxd.container..", "dev.sandboxd.volume..",
            "dev.sandboxd.server..", "dev.sandboxd.daemon..", "dev.sandboxd.cli..")
        .check(classes);
  }

  @Test
  void seccompProfilesKnowNoManifestModel() {
    // the CRI sandboxer reads Localhost profiles through it
    noClasses().that().resideInAPackage("dev.sandboxd.seccomp..")
        .should().dependOnClassesThat().resideInAnyPackage("dev.sandboxd.pod..", "dev.sandboxd.lifecycle..",
            "dev.sandboxd.container..", "dev.sandboxd.server..", "dev.sandboxd.daemon..", "dev.sandboxd.cli..")
        .check(classes);
  }

  @Test
  void theCriSandboxerIsAnAdapterOverTheSeamAlone() {
    noClasses().that().resideInAPackage("dev.sandboxd.sandboxer..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "dev.sandboxd.pod..", "dev.sandboxd.lifecycle..", "dev.sandboxd.container..", "dev.sandboxd.volume..",
            "dev.sandboxd.server..", "dev.sandboxd.daemon..", "dev.sandboxd.cli..", "dev.sandboxd.manifestdir..")
        .check(classes);
  }

  @Test
  void theFoundationsDependOnNothingAboveThem() {
    noClasses().that().resideInAnyPackage("dev.sandboxd.pod..", "dev.sandboxd.system..", "dev.sandboxd.rollback..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "dev.sandboxd.spec..", "dev.sandboxd.runtime..", "dev.sandboxd.container..", "dev.sandboxd.sandbox..",
            "dev.sandboxd.volume..", "dev.sandboxd.cgroup..", "dev.sandboxd.lifecycle..", "dev.sandboxd.server..",
            "dev.sandboxd.daemon..", "dev.sandboxd.cli..")
        .check(classes);
    noClasses().that().resideInAPackage("dev.sandboxd.spec..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "dev.sandboxd.system..", "dev.sandboxd.runtime..", "dev.sandboxd.container..", "dev.sandboxd.sandbox..",
            "dev.sandboxd.volume..", "dev.sandboxd.lifecycle..", "dev.sandboxd.server..", "dev.sandboxd.daemon..",
            "dev.sandboxd.cli..")
        .check(classes);
  }

  @Test
  void theNodesPartsKnowNothingOfTheLifecycle() {
    noClasses().that().resideInAnyPackage("dev.sandboxd.container..", "dev.sandboxd.volume..", "dev.sandboxd.podfiles..",
            "dev.sandboxd.cgroup..",
            "dev.sandboxd.image..", "dev.sandboxd.runtime..", "dev.sandboxd.probe..", "dev.sandboxd.state..",
            "dev.sandboxd.supervisor..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "dev.sandboxd.lifecycle..", "dev.sandboxd.server..", "dev.sandboxd.daemon..", "dev.sandboxd.cli..",
            "dev.sandboxd.monitoring..", "dev.sandboxd.manifestdir..")
        .check(classes);
  }

  @Test
  void theLifecycleKnowsNothingOfItsCallers() {
    noClasses().that().resideInAPackage("dev.sandboxd.lifecycle..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "dev.sandboxd.server..", "dev.sandboxd.daemon..", "dev.sandboxd.cli..", "dev.sandboxd.monitoring..",
            "dev.sandboxd.manifestdir..")
        .check(classes);
  }
}
