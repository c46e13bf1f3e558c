# Shared paths and helpers for the hack/ scripts. Sourced, never run.
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_DIR=${SANDBOXD_CACHE:-$REPO_ROOT/.cache}
DEPS_ROOT=$CACHE_DIR/root           # dpkg -x target of every fetched package
DEPS_BIN=$DEPS_ROOT/usr/bin:$DEPS_ROOT/usr/sbin
# shellcheck source=versions.env
. "$REPO_ROOT/hack/versions.env"

log() { printf '%s %s\n' "[$(basename "$0")]" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Compiles the e2e module's client programs (hack/bench, hack/soak: e2e/src/main) and writes the
# class path of their dependencies to $E2E_CLASSPATH_FILE, again only when a source changed.
# compile, not package: the jar a running sandboxd was started from stays untouched.
E2E_CLASSPATH_FILE=$REPO_ROOT/e2e/target/bench.classpath
build_e2e_client() {
  "$REPO_ROOT/hack/build"
  local stale=1 f
  if [ -f "$E2E_CLASSPATH_FILE" ]; then
    stale=0
    while read -r f; do
      if [ "$REPO_ROOT/$f" -nt "$E2E_CLASSPATH_FILE" ]; then stale=1; break; fi
    done < <(cd "$REPO_ROOT" && git ls-files -co --exclude-standard -- api shim-client metrics sandbox e2e/src/main e2e/pom.xml pom.xml)
  fi
  if [ "$stale" = 1 ]; then
    log "compiling the e2e client programs"
    (cd "$REPO_ROOT" && mvn -B -q -pl e2e -am compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath) \
      || die "maven build of the e2e client programs failed"
    touch "$E2E_CLASSPATH_FILE" # Maven leaves an unchanged class path file as it was
  fi
}
# sandboxd's JVM options for JAR, as words: its settings file and, when the build made one for this
# very jar (hack/build-daemon-cache, beside it), its AppCDS archive (-Xshare:auto ignores one that
# does not fit). Used by hack/node and by hack/bench's compared sandboxd.
daemon_java_opts() { # JAR
  local cds
  cds=$(dirname "$1")/daemon/sandboxd.jsa
  printf '%s\n' "@$REPO_ROOT/sandbox/src/main/jvm/sandboxd.jvmopts"
  if [ "$cds" -nt "$1" ]; then printf '%s\n' -Xshare:auto "-XX:SharedArchiveFile=$cds"; fi
}
