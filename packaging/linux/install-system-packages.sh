#!/bin/sh
# Install the Debian/Ubuntu packages named on the command line that are not installed
# yet: as root, or through sudo when it needs no password. Otherwise print the one
# command that installs them, and fail. Used by `make demo`, `make test` and .ci/run.
set -eu

missing=""
for pkg in "$@"; do
  status="$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)"
  [ "$status" = "installed" ] || missing="$missing $pkg"
done
[ -n "$missing" ] || exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Needed, by their Debian/Ubuntu names (your system names them its own way):$missing" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo="sudo -n"
else
  echo "Some system packages are missing. Install them with:" >&2
  echo "  sudo apt-get install$missing" >&2
  echo "then run the same command again." >&2
  exit 1
fi

echo "Installing system packages:$missing"
# shellcheck disable=SC2086 # $sudo and $missing are word lists on purpose
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
