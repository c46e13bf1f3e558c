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
