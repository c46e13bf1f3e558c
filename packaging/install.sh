#!/usr/bin/env bash
# Installs sandboxd from this unpacked tarball on a host that runs Debian's containerd, or removes it.
#
#   ./install.sh [--prefix DIR] [--root DIR] [--socket-group GROUP] [--no-containerd]
#   ./install.sh --uninstall [--purge] [--prefix DIR] [--root DIR]
#
# Writes only: the prefix (default /opt/sandboxd), /etc/sandboxd, /etc/systemd/system/sandboxd.service
# and, for containerd, /etc/containerd/conf.d/sandboxd.toml and
# /etc/systemd/system/containerd.service.d/50-sandboxd.conf. Every file and directory it makes is
# listed in PREFIX/lib/sandboxd/install.manifest; --uninstall removes exactly those. Files under /etc
# that were changed after install.sh wrote them are never overwritten nor removed (--purge removes
# them too). --root DIR installs into DIR as if it were / (the files name the paths without DIR).
set -euo pipefail
umask 022

PROG=install.sh
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }
note() { printf '%s: %s\n' "$PROG" "$*" >&2; }
usage() { sed -n '2,13s/^# \{0,1\}//p' "$0"; }

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
MODE=install PREFIX= ROOT=/ SOCKET_GROUP= CONTAINERD=1 PURGE=0
while [ $# -gt 0 ]; do
  case $1 in
    --prefix) [ $# -ge 2 ] || die "--prefix needs a directory"; PREFIX=$2; shift 2 ;;
    --prefix=*) PREFIX=${1#*=}; shift ;;
    --root) [ $# -ge 2 ] || die "--root needs a directory"; ROOT=$2; shift 2 ;;
    --root=*) ROOT=${1#*=}; shift ;;
    --socket-group) [ $# -ge 2 ] || die "--socket-group needs a group name"; SOCKET_GROUP=$2; shift 2 ;;
    --socket-group=*) SOCKET_GROUP=${1#*=}; shift ;;
    --no-containerd) CONTAINERD=0; shift ;;
    --uninstall) MODE=uninstall; shift ;;
    --purge) PURGE=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

# --- the paths -------------------------------------------------------------------------------------

# Paths go into systemd units and a tab-separated manifest: no characters that either would read
# differently (systemd expands % and $, unquotes " ' \).
check_path() { # what path
  case $2 in /*) ;; *) die "$1 '$2' is not an absolute path" ;; esac
  case $2 in *[[:cntrl:]\"\'\\%\$\`]*) die "$1 '$2' holds a character install.sh does not write into units (one of \" ' \\ % \$ \` or a control character)" ;; esac
  case $2/ in */./*|*/../*|*//*) [ "$2" = / ] || die "$1 '$2' is not a plain path (no ., .. or //)" ;; esac
}
check_path --root "$ROOT"
ROOT=${ROOT%/}
[ -z "$ROOT" ] || [ -d "$ROOT" ] || die "--root $ROOT is not a directory"
[ -z "$ROOT" ] || [ ! -L "$ROOT" ] || die "--root $ROOT is a symbolic link; give the directory it leads to"
if [ -z "$PREFIX" ]; then
  # Run from an installed tree (PREFIX/lib/sandboxd/install.sh) without --root: that prefix.
  if [ -z "$ROOT" ] && [ -f "$HERE/install.manifest" ]; then PREFIX=${HERE%/lib/sandboxd}; else PREFIX=/opt/sandboxd; fi
fi
check_path --prefix "$PREFIX"
PREFIX=${PREFIX%/}
[ -n "$PREFIX" ] || die "--prefix / would spread sandboxd over the whole system; give a directory such as /opt/sandboxd"
case $PREFIX in /etc|/etc/*|/run|/run/*|/proc|/proc/*|/sys|/sys/*|/dev|/dev/*)
  die "--prefix $PREFIX is no place for programs; give a directory such as /opt/sandboxd" ;; esac
LIB=$PREFIX/lib/sandboxd
MANIFEST=$LIB/install.manifest
CONFIG=/etc/sandboxd/sandboxd.yaml
UNIT=/etc/systemd/system/sandboxd.service
CONTAINERD_DROPIN=/etc/containerd/conf.d/sandboxd.toml
CONTAINERD_CONFIG=/etc/sandboxd/containerd.toml
CONTAINERD_UNIT_DROPIN=/etc/systemd/system/containerd.service.d/50-sandboxd.conf

on_disk() { printf '%s%s' "$ROOT" "$1"; }
sum() { sha256sum < "$1" | cut -d' ' -f1; }

# install.sh never writes nor removes through a symbolic link: a link anywhere on the way (say
# /etc/sandboxd -> /etc) would take it outside the places it may write.
check_no_links() { # path
  local p=$1
  while [ -n "$p" ] && [ "$p" != / ]; do
    [ ! -L "$(on_disk "$p")" ] || die "$(on_disk "$p") is a symbolic link; install.sh neither writes nor removes through links (give --prefix where it leads, or remove the link)"
    p=${p%/*}
  done
}

# The manifest: one line per file or directory install.sh made, "kind<TAB>sha256<TAB>path" with the
# path as the host sees it. Kinds: f a file of the prefix, c a file under /etc (kept when changed),
# g a file generated at install (the AppCDS archives), d a directory install.sh created.
declare -A OLD_KIND=() OLD_SUM=()
OLD_ORDER=()
read_manifest() {
  local kind sum path
  [ -f "$(on_disk "$MANIFEST")" ] || return 0
  while IFS=$'\t' read -r kind sum path; do
    OLD_KIND[$path]=$kind OLD_SUM[$path]=$sum
    OLD_ORDER+=("$path")
  done < "$(on_disk "$MANIFEST")"
}

# Removes a file of the manifest as uninstall does: gone already, kept when a config file was
# changed (unless --purge), refused when it is no longer a regular file.
remove_entry() { # path
  local path=$1 file; file=$(on_disk "$1")
  [ -e "$file" ] || [ -L "$file" ] || return 0
  if [ -L "$file" ] || [ ! -f "$file" ]; then note "left $file: no longer the file install.sh wrote"; return 0; fi
  if [ "${OLD_KIND[$path]}" = c ] && [ "$(sum "$file")" != "${OLD_SUM[$path]}" ] && [ "$PURGE" = 0 ]; then
    note "kept $file: changed since it was installed (--purge removes it)"
    return 0
  fi
  rm -f -- "$file"
}

remove_dirs() { # paths of kind d: removed deepest first (a path sorts after its parent), only when empty
  local dir file
  [ $# -gt 0 ] || return 0
  while IFS= read -r dir; do
    file=$(on_disk "$dir")
    [ -d "$file" ] && [ ! -L "$file" ] || continue
    rmdir -- "$file" 2>/dev/null || note "left $file: not empty"
  done < <(printf '%s\n' "$@" | LC_ALL=C sort -r)
}

# --- uninstall -------------------------------------------------------------------------------------

uninstall() {
  read_manifest
  [ ${#OLD_ORDER[@]} -gt 0 ] || die "nothing to uninstall: no $(on_disk "$MANIFEST") (installed with another --prefix or --root?)"
  local link
  for link in "$(on_disk /etc/systemd/system)"/*.wants/sandboxd.service; do
    if [ -L "$link" ]; then die "sandboxd.service is enabled ($link): run 'systemctl disable --now sandboxd' first"; fi
  done
  if [ -z "$ROOT" ] && [ -d /run/systemd/system ] && systemctl is-active --quiet sandboxd.service 2>/dev/null; then
    die "sandboxd.service is running: run 'systemctl stop sandboxd' first"
  fi
  local path dirs=()
  for path in "${OLD_ORDER[@]}"; do check_no_links "$path"; done
  for path in "${OLD_ORDER[@]}"; do
    if [ "${OLD_KIND[$path]}" = d ]; then dirs+=("$path"); else remove_entry "$path"; fi
  done
  rm -f -- "$(on_disk "$MANIFEST")"
  remove_dirs "${dirs[@]}"
  note "removed sandboxd from $(on_disk "$PREFIX")"
  if [ -z "$ROOT" ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    [ "$CONTAINERD" = 0 ] || note "restart containerd to drop sandboxd's configuration: systemctl restart containerd"
  fi
}

# --- install ---------------------------------------------------------------------------------------

java_command() { printf '%s' "${JAVA_HOME:+$JAVA_HOME/bin/}java"; }

preflight() {
  [ -n "$ROOT" ] || [ "$(id -u)" = 0 ] || die "run as root (or give --root DIR to install into a directory)"
  [ -f "$HERE/lib/sandboxd/sandboxd.jar" ] || die "$HERE is not an unpacked sandboxd tarball (no lib/sandboxd/sandboxd.jar)"
  local java spec
  java=$(java_command)
  command -v "$java" >/dev/null || die "no Java: sandboxd needs Java 17 or later (apt-get install openjdk-17-jre-headless), or set JAVA_HOME"
  spec=$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
  case $spec in 1.*|'') die "$(command -v "$java") is Java ${spec:-of unknown version}; sandboxd needs Java 17 or later" ;; esac
  [ "${spec%%.*}" -ge 17 ] || die "$(command -v "$java") is Java $spec; sandboxd needs Java 17 or later"
  [ -z "${JAVA_HOME:-}" ] || check_path JAVA_HOME "$JAVA_HOME"
  [ -d "$(on_disk /etc/systemd/system)" ] || die "no $(on_disk /etc/systemd/system): sandboxd.service needs systemd"
  if [ "$CONTAINERD" = 1 ]; then
    [ -x "$(on_disk /usr/bin/containerd)" ] || die "no $(on_disk /usr/bin/containerd): install Debian's containerd first (apt-get install containerd runc), or pass --no-containerd"
    [ -x "$(on_disk /usr/sbin/runc)" ] || [ -x "$(on_disk /usr/bin/runc)" ] || die "no runc in $(on_disk /usr/sbin): install Debian's runc first (apt-get install runc)"
  fi
  # The pod network (--network cni, the default) runs these; without them every pod fails its ADD.
  [ -x "$(on_disk /usr/lib/cni/bridge)" ] || [ -x "$(on_disk /opt/cni/bin/bridge)" ] \
    || echo "install.sh: warning: no CNI plugins in /usr/lib/cni or /opt/cni/bin: pods will fail until they are there (apt-get install containernetworking-plugins iptables), or set network: none" >&2
  if [ -n "$SOCKET_GROUP" ]; then
    case $SOCKET_GROUP in *[!a-z0-9_-]*|-*) die "--socket-group '$SOCKET_GROUP' is not a group name" ;; esac
    grep -q "^$SOCKET_GROUP:" "$(on_disk /etc/group)" 2>/dev/null \
      || die "--socket-group: no group '$SOCKET_GROUP' in $(on_disk /etc/group) (create it first: groupadd --system $SOCKET_GROUP)"
  fi
}

# The files to install: PLAN_SRC[i] goes to PLAN_DEST[i] (a host path) with PLAN_MODE[i] as PLAN_KIND[i].
PLAN_SRC=() PLAN_DEST=() PLAN_MODE=() PLAN_KIND=()
plan() { PLAN_SRC+=("$1"); PLAN_DEST+=("$2"); PLAN_MODE+=("$3"); PLAN_KIND+=("$4"); }

make_plan() { # staging dir for files made from templates
  local stage=$1 f rel
  # The prefix: everything of the tarball's bin/, lib/ and share/, and this script for --uninstall.
  while IFS= read -r -d '' f; do
    rel=${f#"$HERE"/}
    plan "$f" "$PREFIX/$rel" "$([ -x "$f" ] && echo 755 || echo 644)" f
  done < <(cd "$HERE" && find "$HERE/bin" "$HERE/lib" "$HERE/share" -type f ! -name install.manifest ! -name '*.jsa' -print0 | sort -z)
  plan "$HERE/install.sh" "$LIB/install.sh" 755 f

  # systemd splits a command line at spaces unless the word is quoted: @Q@ closes what @BIN@ opens.
  local templates=$HERE/share/sandboxd bin=$PREFIX/bin quote= unit
  if [ "$PREFIX" != "${PREFIX#* }" ]; then bin="\"$bin" quote=\"; fi
  unit=$(<"$templates/sandboxd.service.in")
  unit=${unit//@BIN@/$bin}
  unit=${unit//@Q@/$quote}
  if [ -n "${JAVA_HOME:-}" ]; then unit=${unit//$'\n'Type=simple/$'\n'Environment=\"JAVA_HOME=$JAVA_HOME\"$'\n'Type=simple}; fi
  printf '%s\n' "$unit" > "$stage/sandboxd.service"
  if [ -n "$SOCKET_GROUP" ]; then
    sed "s|^socketGroup:.*|socketGroup: $SOCKET_GROUP|" "$templates/sandboxd.yaml" > "$stage/sandboxd.yaml"
  else
    cp "$templates/sandboxd.yaml" "$stage/sandboxd.yaml"
  fi
  plan "$stage/sandboxd.yaml" "$CONFIG" 644 c
  plan "$stage/sandboxd.service" "$UNIT" 644 c
  if [ "$CONTAINERD" = 1 ]; then
    plan "$templates/containerd-sandboxd.toml" "$CONTAINERD_DROPIN" 644 c
    # Debian's config.toml imports nothing; containerd reads the drop-in through sandboxd's own
    # top-level config, unless the admin's config.toml imports conf.d itself.
    if ! grep -Eq '^[[:space:]]*imports[[:space:]]*=.*/etc/containerd/conf\.d/\*\.toml' "$(on_disk /etc/containerd/config.toml)" 2>/dev/null; then
      plan "$templates/containerd.toml" "$CONTAINERD_CONFIG" 644 c
      plan "$templates/containerd-50-sandboxd.conf" "$CONTAINERD_UNIT_DROPIN" 644 c
    fi
  fi
}

# What to do with each planned file: write, or keep (a config file the admin changed or owns).
PLAN_ACTION=()
check_plan() {
  local i dest file kind
  for i in "${!PLAN_DEST[@]}"; do
    dest=${PLAN_DEST[$i]} kind=${PLAN_KIND[$i]} file=$(on_disk "${PLAN_DEST[$i]}")
    check_no_links "$dest"
    PLAN_ACTION[$i]=write
    [ -e "$file" ] || continue
    [ -f "$file" ] || die "$file exists and is not a regular file; move it away first"
    if [ -n "${OLD_KIND[$dest]:-}" ]; then
      if [ "$kind" = c ] && [ "$(sum "$file")" != "${OLD_SUM[$dest]}" ]; then
        PLAN_ACTION[$i]=keep
        note "kept $file: changed since it was installed (the packaged version: $PREFIX/share/sandboxd/)"
      fi
    elif [ "$(sum "$file")" = "$(sum "${PLAN_SRC[$i]}")" ]; then
      : # the very file install.sh would write (a lost manifest): take it over
    elif [ "$dest" = "$CONFIG" ]; then
      PLAN_ACTION[$i]=foreign
      note "kept $file: it was there before install.sh (not removed on --uninstall)"
    else
      die "$file exists and install.sh did not install it: move it away first (nothing was changed)"
    fi
  done
}

NEW_MANIFEST=()
record() { NEW_MANIFEST+=("$1"$'\t'"$2"$'\t'"$3"); }

# Undo steps of the install under way, run in reverse when it fails: files it made are removed,
# files it replaced come back from the staging directory, directories it made are removed.
UNDO=()
undo_all() {
  local i what path saved
  for (( i = ${#UNDO[@]} - 1 ; i >= 0 ; i-- )); do
    IFS=$'\t' read -r what path saved <<< "${UNDO[$i]}"
    case $what in
      rm) rm -f -- "$path" ;;
      restore) mv -f -T -- "$saved" "$path" ;;
      rmdir) rmdir -- "$path" ;;
    esac || note "could not undo: $what $path"
  done
}

make_dirs() { # path: creates its missing parents, recording them (outermost first)
  local dir=${1%/*} missing=()
  while [ -n "$dir" ] && [ ! -d "$(on_disk "$dir")" ]; do missing=("$dir" "${missing[@]}"); dir=${dir%/*}; done
  for dir in "${missing[@]}"; do
    mkdir -m 755 -- "$(on_disk "$dir")"
    UNDO+=("rmdir"$'\t'"$(on_disk "$dir")")
    record d - "$dir"
  done
}

write_file() { # src dest mode
  local file tmp; file=$(on_disk "$2")
  make_dirs "$2"
  tmp=$(dirname "$file")/.$(basename "$file").install-tmp
  if [ -e "$file" ]; then
    cp -p -- "$file" "$STAGE/undo.${#UNDO[@]}"
    UNDO+=("restore"$'\t'"$file"$'\t'"$STAGE/undo.${#UNDO[@]}")
  else
    UNDO+=("rm"$'\t'"$file")
  fi
  UNDO+=("rm"$'\t'"$tmp")
  cp -- "$1" "$tmp"
  chmod "$3" "$tmp"
  mv -f -T -- "$tmp" "$file"
}

# The AppCDS archives of sandboxctl and sandboxd: dumped here, because an archive only serves the
# class path it was made with (this prefix) and the JVM that made it (this host's). Only for a real
# install. Static (a class list, then -Xshare:dump): Java 17 keeps picocli's classes, compiled for
# Java 5, out of a dynamic archive. A failed dump leaves no half archive, and the program works
# without one, only slower to start (sandboxctl) or with a few MB more (sandboxd).
make_cds_archives() {
  [ -z "$ROOT" ] || { note "no AppCDS archives under --root (they must be made on the host: rerun install.sh there)"; return 0; }
  local list=$STAGE/sandboxctl.classlist out
  # sandboxctl's list from StartupTraining: ps, inspect, run and help against a stand-in sandboxd
  # on a socket of its own.
  if out=$("$(java_command)" @"$LIB/sandboxctl.jvm.options" -Djava.library.path="$LIB/native" \
      -XX:DumpLoadedClassList="$list" -cp "$LIB/sandboxd.jar" dev.sandboxd.cli.StartupTraining 2>&1); then
    dump_cds_archive sandboxctl "$list" @"$LIB/sandboxctl.jvm.options"
  else
    check_no_links "$LIB/sandboxctl.jsa"
    rm -f -- "$LIB/sandboxctl.jsa"
    note "no AppCDS archive for sandboxctl (its training failed): $(tail -3 <<< "$out")"
  fi
  # sandboxd's list comes in the tarball (hack/train-daemon-classlist made it).
  dump_cds_archive sandboxd "$LIB/sandboxd.classlist" @"$LIB/sandboxd.jvm.options"
}

# Dumped under the program's own JVM options (an archive made with other compressed-oops settings
# is not used), beside the archive's place, then renamed into it.
dump_cds_archive() { # name class-list [java options...]
  local name=$1 list=$2 jsa=$LIB/$1.jsa tmp=$LIB/.$1.jsa.install-tmp out
  shift 2
  check_no_links "$jsa"
  check_no_links "$tmp"
  rm -f -- "$jsa" "$tmp"
  UNDO+=("rm"$'\t'"$tmp")
  if out=$("$(java_command)" "$@" -Xshare:dump -XX:SharedClassListFile="$list" \
      -XX:SharedArchiveFile="$tmp" -cp "$LIB/sandboxd.jar" 2>&1); then
    UNDO+=("rm"$'\t'"$jsa")
    mv -f -T -- "$tmp" "$jsa"
    record g "$(sum "$jsa")" "$jsa"
  else
    rm -f -- "$tmp"
    note "no AppCDS archive for $name: $(tail -3 <<< "$out")"
  fi
}

install_all() {
  preflight
  read_manifest
  STAGE=$(mktemp -d)
  trap 'status=$?; if [ $status != 0 ] && [ ${#UNDO[@]} -gt 0 ]; then undo_all; note "error: the install failed (above); every change it made is undone"; fi; rm -rf -- "$STAGE"' EXIT
  make_plan "$STAGE"
  check_plan
  # Directories an earlier install made stay recorded while they exist.
  local path i
  for path in "${OLD_ORDER[@]}"; do
    if [ "${OLD_KIND[$path]}" = d ] && [ -d "$(on_disk "$path")" ]; then record d - "$path"; fi
  done
  declare -A planned=()
  for i in "${!PLAN_DEST[@]}"; do
    planned[${PLAN_DEST[$i]}]=1
    case ${PLAN_ACTION[$i]} in
      write) write_file "${PLAN_SRC[$i]}" "${PLAN_DEST[$i]}" "${PLAN_MODE[$i]}"
             record "${PLAN_KIND[$i]}" "$(sum "$(on_disk "${PLAN_DEST[$i]}")")" "${PLAN_DEST[$i]}" ;;
      keep) record c "${OLD_SUM[${PLAN_DEST[$i]}]}" "${PLAN_DEST[$i]}" ;;
      foreign) ;;
    esac
  done
  # Files an earlier version installed and this one does not (the old archive included).
  for path in "${OLD_ORDER[@]}"; do
    [ "${OLD_KIND[$path]}" = d ] || [ -n "${planned[$path]:-}" ] || remove_entry "$path"
  done
  make_cds_archives
  make_dirs "$MANIFEST"
  # Sorted by path, so that the same install writes the same manifest.
  UNDO+=("rm"$'\t'"$(on_disk "$MANIFEST").tmp")
  printf '%s\n' "${NEW_MANIFEST[@]}" | LC_ALL=C sort -t $'\t' -k 3 > "$(on_disk "$MANIFEST").tmp"
  mv -f -T -- "$(on_disk "$MANIFEST").tmp" "$(on_disk "$MANIFEST")"
  UNDO=()
  note "installed sandboxd in $(on_disk "$PREFIX") (files listed in $(on_disk "$MANIFEST"))"
  if [ -z "$ROOT" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
  cat >&2 <<NEXT
Next:
  systemctl daemon-reload
  systemctl enable --now sandboxd
$([ "$CONTAINERD" = 1 ] && echo "  systemctl restart containerd     # reads sandboxd's sandbox controller and runtime handler")
  '$PREFIX/bin/sandboxctl' ps
Uninstall: systemctl disable --now sandboxd; '$LIB/install.sh' --uninstall
NEXT
}

case $MODE in
  install) install_all ;;
  uninstall) uninstall ;;
esac
