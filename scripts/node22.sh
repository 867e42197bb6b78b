# Makes `node` (and the npm that runs on it) Node 22 or later, the version Azure Functions runs
# Tandem on. Where the machine's Node is older, Node 22 comes from the npm registry (the `node`
# package ships the binary) into a cache folder, once, and is put first on PATH; this says so.
# Sourced: by .ci/run, or by hand (`source scripts/node22.sh`) before npm ci / npm test.
tandem_node_major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(tandem_node_major)" -lt 22 ]; then
  TANDEM_NODE22_DIR="${TANDEM_NODE22_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tandem-node22}"
  if [ "$(tandem_node_major "$TANDEM_NODE22_DIR/node_modules/.bin/node")" -lt 22 ]; then
    echo "Node $(node --version 2>/dev/null || echo 'not found') is older than 22, the version Azure Functions runs Tandem on:"
    echo "  installing Node 22 from the npm registry (the node@22 package) into $TANDEM_NODE22_DIR"
    mkdir -p "$TANDEM_NODE22_DIR"
    npm install --prefix "$TANDEM_NODE22_DIR" --no-audit --no-fund --loglevel=error node@22 >/dev/null
  fi
  export PATH="$TANDEM_NODE22_DIR/node_modules/.bin:$PATH"
  echo "Using Node $(node --version) from $TANDEM_NODE22_DIR (npm $(npm --version) runs on it too)."
fi
