#!/usr/bin/env bash
# Makes a checkout ready to run: Debian packages the tests use (when root and missing),
# npm packages (npm ci when package-lock.json changed), and the build (when sources
# are newer than dist/). Idempotent and quiet when nothing is to do.
# Usage: scripts/ensure.sh [--with-test-tools]
set -euo pipefail
cd "$(dirname "$0")/.."

want_tools=0
[ "${1:-}" = "--with-test-tools" ] && want_tools=1

if [ "$want_tools" = 1 ]; then
  # Debian packages the test suite drives as real peers (libiscsi tools, tgt, qemu, fio, nbdkit),
  # and what the C test clients in test/peers/ are built with (a compiler, libiscsi's headers).
  need=()
  command -v iscsi-test-cu >/dev/null || need+=(libiscsi-bin)
  command -v tgtd >/dev/null || need+=(tgt)
  command -v fio >/dev/null || need+=(fio)
  command -v qemu-img >/dev/null || need+=(qemu-utils)
  [ -e /usr/lib/x86_64-linux-gnu/qemu/block-iscsi.so ] || ls /usr/lib/*/qemu/block-iscsi.so >/dev/null 2>&1 || need+=(qemu-block-extra)
  command -v nbdkit >/dev/null || need+=(nbdkit)
  command -v fallocate >/dev/null || need+=(util-linux)
  command -v cc >/dev/null || need+=(gcc libc6-dev)
  [ -e /usr/include/iscsi/iscsi.h ] || need+=(libiscsi-dev)
  if [ "${#need[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      echo "ensure: installing Debian packages: ${need[*]}" >&2
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq >&2
      apt-get install -y -qq "${need[@]}" >&2
    else
      echo "ensure: missing Debian packages (${need[*]}); run as root or: sudo apt-get install ${need[*]}" >&2
    fi
  fi
fi

# One ensure at a time per checkout (several `./tandem` commands may start at once).
exec 9>"${TMPDIR:-/tmp}/tandem-ensure-$(pwd | cksum | cut -d' ' -f1).lock"
flock 9

# npm packages: reinstall when package-lock.json is newer than the last install.
stamp=node_modules/.tandem-install-stamp
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  echo "ensure: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
  touch "$stamp"
fi

# build: when any source is newer than the last build.
bstamp=dist/.build-stamp
if [ ! -f "$bstamp" ] || [ -n "$(find src test native binding.gyp tsconfig.json package.json -newer "$bstamp" -print -quit 2>/dev/null)" ]; then
  echo "ensure: npm run build" >&2
  npm run build --silent >&2
  touch "$bstamp"
fi
