#!/usr/bin/env bash
# Prepares everything the end-to-end suite (test/e2e) needs, with no manual step and no network
# beyond the npm registry and Debian's apt mirrors:
#   - Debian packages: chromium (the browser playwright-core drives), libkrb5-dev (headers for
#     code-server's `kerberos` native module), ripgrep (replaces @vscode/ripgrep's GitHub download),
#     plus the compiler toolchain node-gyp needs when it is missing;
#   - code-server (pinned) installed from npm into a cache folder outside the repo, following the
#     workarounds in ../shared/notes/code-server.md;
#   - playwright-core in the repo's node_modules (a devDependency).
# Idempotent: a finished install is marked by a file written last; a half install is redone.
# Prints the code-server folder on its last line of stdout.
set -euo pipefail

CS_VERSION=4.99.4
CACHE_ROOT="${KMG_CACHE:-$HOME/.cache/kube-mitm-guard}"
CS_DIR="$CACHE_ROOT/code-server-$CS_VERSION"
MARKER="$CS_DIR/.kmg-install-complete"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Native modules of VS Code's server that must be compiled for this Node (their install scripts
# were skipped so that @vscode/ripgrep does not try to download from GitHub).
VSCODE_NATIVE=(kerberos node-pty @parcel/watcher @vscode/spdlog @vscode/sqlite3 @vscode/deviceid native-watchdog)

log() { printf '[e2e-setup] %s\n' "$*" >&2; }
SECONDS=0

# ---------------------------------------------------------------- Debian packages
need_pkgs=()
have_cmd_or_pkg() { # <command or ''> <package>
  if [ -n "$1" ] && command -v "$1" >/dev/null 2>&1; then return 0; fi
  dpkg-query -W -f='${Status}' "$2" 2>/dev/null | grep -q 'install ok installed'
}
[ -x /usr/bin/chromium ] || need_pkgs+=(chromium)
have_cmd_or_pkg '' libkrb5-dev || need_pkgs+=(libkrb5-dev)
have_cmd_or_pkg rg ripgrep || need_pkgs+=(ripgrep)
have_cmd_or_pkg make make || need_pkgs+=(make)
have_cmd_or_pkg g++ g++ || need_pkgs+=(g++)
have_cmd_or_pkg python3 python3 || need_pkgs+=(python3)
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  SUDO=''
  if [ "$(id -u)" != 0 ]; then SUDO='sudo'; fi
  log "installing Debian packages: ${need_pkgs[*]}"
  apt_log="$(mktemp /tmp/kmg-e2e-apt.XXXXXX.log)"
  if ! { $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}"; } >"$apt_log" 2>&1; then
    tail -n 30 "$apt_log" >&2
    log "apt-get failed (full log: $apt_log)"
    exit 1
  fi
  rm -f "$apt_log"
else
  log "Debian packages present (chromium, libkrb5-dev, ripgrep)"
fi
RG_BIN="$(command -v rg)"

# ---------------------------------------------------------------- playwright-core in the repo
if ! (cd "$REPO_ROOT" && node -e "require.resolve('playwright-core')" >/dev/null 2>&1); then
  pw_version="$(cd "$REPO_ROOT" && node -p "(require('./package.json').devDependencies||{})['playwright-core']||'latest'")"
  log "installing playwright-core@$pw_version into the repo's node_modules"
  (cd "$REPO_ROOT" && npm install --no-save --no-audit --no-fund "playwright-core@$pw_version" >&2)
fi

# ---------------------------------------------------------------- code-server
mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT/.code-server-$CS_VERSION.lock"
flock 9 # two runs at once: the second waits and then finds the marker

if [ -f "$MARKER" ] && [ -f "$CS_DIR/node_modules/code-server/out/node/entry.js" ]; then
  log "code-server $CS_VERSION already installed in $CS_DIR"
  echo "$CS_DIR"
  exit 0
fi

log "installing code-server $CS_VERSION into $CS_DIR (about 3 minutes)"
rm -rf "$CS_DIR"
mkdir -p "$CS_DIR"
cd "$CS_DIR"
printf '{ "name": "kmg-code-server-cache", "private": true }\n' >package.json

# node-pty's rebuild runs `npx node-gyp`, which would wait for a "yes".
export npm_config_yes=true npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
# npm 11's install-script policy (allowScripts) is advisory by default; this cache is not a project
# with a policy of its own and we name the modules to compile explicitly, so keep it advisory here.
export npm_config_strict_allow_scripts=false
# Headers for node-gyp without a download when the distro ships them.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node.h ]; then export npm_config_nodedir=/usr; fi

# 1. code-server itself, without install scripts (its postinstall would fetch ripgrep from GitHub).
npm install --ignore-scripts --loglevel=error "code-server@$CS_VERSION" >&2
CS_PKG="$CS_DIR/node_modules/code-server"
VS="$CS_PKG/lib/vscode"

# 2. VS Code's own dependencies, again without scripts; then compile the native modules.
(cd "$VS" && npm install --omit=dev --ignore-scripts --loglevel=error >&2)
log "compiling native modules: ${VSCODE_NATIVE[*]}"
(cd "$VS" && npm rebuild --foreground-scripts=false --loglevel=error "${VSCODE_NATIVE[@]}" >&2)

# If a policy or a silent failure skipped a build, the .node file is missing: check each module
# rather than trusting the exit code, and build what is missing with node-gyp directly.
check_native() { # <module dir>
  if ! find "$1" -name '*.node' -path '*build/Release*' -print -quit | grep -q .; then
    return 1
  fi
}
missing=()
for m in kerberos node-pty @vscode/spdlog @vscode/sqlite3 @vscode/deviceid native-watchdog; do
  [ -f "$VS/node_modules/$m/binding.gyp" ] || continue # not a dependency of this VS Code server build
  check_native "$VS/node_modules/$m" || missing+=("$m")
done
# @parcel/watcher ships prebuilt binaries in optional packages when present; accept either.
if ! check_native "$VS/node_modules/@parcel/watcher" && ! ls -d "$VS/node_modules/@parcel/watcher-linux-"* >/dev/null 2>&1; then
  missing+=(@parcel/watcher)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  log "npm rebuild did not build: ${missing[*]}; building them with node-gyp directly"
  for m in "${missing[@]}"; do
    (cd "$VS/node_modules/$m" && npx --yes node-gyp rebuild >&2)
  done
fi

# 3. ripgrep from Debian instead of the GitHub download.
mkdir -p "$VS/node_modules/@vscode/ripgrep/bin"
cp "$RG_BIN" "$VS/node_modules/@vscode/ripgrep/bin/rg"

# 4. What code-server's postinstall.sh does after installing VS Code's modules.
ln -sfn node_modules "$VS/node_modules.asar"
if [ -f "$VS/bin/remote-cli/code-linux.sh" ]; then ln -sfn code-linux.sh "$VS/bin/remote-cli/code-server"; fi
if [ -f "$VS/bin/helpers/browser-linux.sh" ]; then ln -sfn browser-linux.sh "$VS/bin/helpers/browser.sh"; fi
if [ -f "$VS/extensions/package.json" ]; then
  (cd "$VS/extensions" && npm install --omit=dev --loglevel=error >&2)
fi

# 5. code-server's own native module (password hashing; loaded even with --auth none).
(cd "$CS_DIR" && npm rebuild --loglevel=error argon2 >&2)

# Smoke check: the entry point runs and reports its version.
XDG_CONFIG_HOME="$CS_DIR/.xdg/config" XDG_DATA_HOME="$CS_DIR/.xdg/data" "$(command -v node)" "$CS_PKG/out/node/entry.js" --version >&2

date -u +%FT%TZ >"$MARKER"
log "code-server $CS_VERSION installed in ${SECONDS}s"
echo "$CS_DIR"
