# Shared by the azd hooks: where things are, and the tandem command.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
CONFIG="${TANDEM_CONFIG:-tandem.config.json}"
PARAMETERS="infra/main.parameters.json"

tandem() { node "$ROOT/dist/src/cli/main.js" "$@"; }

# A value from infra/main.parameters.json, as JSON lines (one array item per line).
parameter_lines() {
  node -e '
    const p = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).parameters;
    const v = p[process.argv[2]].value;
    for (const item of Array.isArray(v) ? v : [v]) console.log(typeof item === "string" ? item : JSON.stringify(item));
  ' "$PARAMETERS" "$1"
}

# A field of each item of a JSON array held in an environment variable, one per line.
json_field() {
  node -e '
    for (const item of JSON.parse(process.env[process.argv[1]] || "[]")) console.log(item[process.argv[2]]);
  ' "$1" "$2"
}

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "tandem: $1 is needed for this step ($2)" >&2; exit 1; }
}
