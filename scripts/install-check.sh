#!/usr/bin/env bash
# The whole way a person installs the `tandem` command: pack the built project, install the
# tarball globally into a temporary prefix (dependencies from the npm registry, or npm's cache),
# and run the installed command. `npm run install-check`; test/cli/pack.test.ts checks the
# tarball itself on every `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/tandem-install-XXXXXX")
trap 'rm -rf "$work"' EXIT
tarball=$(npm pack --ignore-scripts --silent --pack-destination "$work")
echo "packed $tarball ($(du -k "$work/$tarball" | cut -f1) KB)"
npm install --global --prefix "$work/prefix" --prefer-offline --no-audit --no-fund --loglevel=error \
  "$work/$tarball"
tandem="$work/prefix/bin/tandem"
echo "installed: $("$tandem" --version) at $tandem"
"$tandem" validate-config examples/passive-cold.tandem.config.json >/dev/null
echo "the installed command validates examples/passive-cold.tandem.config.json"
