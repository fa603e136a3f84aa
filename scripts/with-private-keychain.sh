#!/bin/sh
# Runs a command inside a private D-Bus session with its own, unlocked gnome-keyring, so that tests use
# the real Secret Service without ever touching the developer's own keychain.
# On macOS and Windows (or when LATCHKEY_KEYCHAIN_READY=1) the command runs as it is.
set -eu
if [ "$(uname -s)" != "Linux" ] || [ "${LATCHKEY_KEYCHAIN_READY:-}" = "1" ]; then
  exec "$@"
fi
for tool in dbus-run-session gnome-keyring-daemon; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "with-private-keychain: '$tool' is missing. Install it: sudo apt-get install -y gnome-keyring dbus-x11" >&2
    exit 1
  fi
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/latchkey-keychain.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$tmp/data" "$tmp/runtime"
chmod 700 "$tmp/runtime"
export XDG_DATA_HOME="$tmp/data" XDG_RUNTIME_DIR="$tmp/runtime" LATCHKEY_KEYCHAIN_READY=1
# Never fall back to X11 autolaunch or the developer's own bus.
unset DISPLAY DBUS_SESSION_BUS_ADDRESS
dbus-run-session -- sh -c '
  printf %s latchkey-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec "$@"
' sh "$@"
