# Shared by the azd hooks: where things are, and the tandem command.
set -euo pipefail
# The hooks' own notices (fd 3) reach the person even where a command's errors are silenced.
exec 3>&2
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
CONFIG="${TANDEM_CONFIG:-tandem.config.json}"
PARAMETERS="infra/main.parameters.json"
GRAPH="https://graph.microsoft.com/v1.0"

tandem() { node "$ROOT/dist/src/cli/main.js" "$@"; }

# The Function Apps (the TANDEM_APPS output of infra/main.bicep), one line each:
# "REGION NAME URL PRINCIPAL-ID" (none of them holds a space).
app_lines() {
  node -e '
    for (const a of JSON.parse(process.env.TANDEM_APPS || "[]"))
      console.log([a.region, a.name, a.url, a.principalId ?? "-"].join(" "));
  '
}

# The secrets the configuration names, one "SETTING SECRET-NAME" line each.
secret_pairs() {
  node -e '
    const p = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).parameters;
    for (const s of p.secrets.value) console.log(`${s.setting} ${s.secretName}`);
  ' "$PARAMETERS"
}

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "tandem: $1 is needed for this step ($2)" >&2; exit 1; }
}

# Runs a command again while Azure says a permission is missing, until it works or
# TANDEM_ROLE_WAIT_SECONDS (default 900) pass, TANDEM_ROLE_WAIT_INTERVAL (default 20) seconds apart.
# A role assignment this provision made can take minutes to be in effect (Microsoft's Azure RBAC
# troubleshooting page: Resource Manager caches, so a new assignment can take up to 30 minutes):
# the deployer's Key Vault Secrets Officer on a new vault, and, on the first package upload to a
# Flex Consumption app, the app's own role on its new deployment storage, which the platform
# reports as a BlobUploadFailedException holding a 403 from storage (as the ZeroFailed.Deploy.Azure
# module's Publish-FlexConsumptionFunctionApp notes). Any other failure ends at once. The
# command's standard output is passed on.
while_role_pending() {
  local what="$1"
  shift
  local deadline=$(($(date +%s) + ${TANDEM_ROLE_WAIT_SECONDS:-900}))
  local errors
  errors="$(mktemp)"
  while ! "$@" 2>"$errors"; do
    if ! grep -qiE 'forbidden|\b403\b|AuthorizationPermissionMismatch|AuthorizationFailed|BlobUploadFailed' "$errors" ||
      [ "$(date +%s)" -ge "$deadline" ]; then
      cat "$errors" >&2
      rm -f "$errors"
      return 1
    fi
    echo "tandem: $what: a permission given moments ago is not in effect yet; trying again in ${TANDEM_ROLE_WAIT_INTERVAL:-20} s" >&3
    sleep "${TANDEM_ROLE_WAIT_INTERVAL:-20}"
  done
  rm -f "$errors"
}

# The object id of the service principal of Tandem's app registration.
api_service_principal() {
  az ad sp list --filter "appId eq '${TANDEM_API_CLIENT_ID:?run infra/hooks/entra-app.sh first}'" --query '[0].id' -o tsv
}

# Gives PRINCIPAL (a user's or a managed identity's object id) the app role ROLE_ID of the service
# principal SP, unless it has it already.
assign_app_role() {
  local sp="$1" principal="$2" role="$3"
  local held
  held="$(az rest --method GET --uri "$GRAPH/servicePrincipals/$sp/appRoleAssignedTo?\$top=999" \
    --query "length(value[?principalId=='$principal' && appRoleId=='$role'])" -o tsv)"
  [ "$held" = "0" ] || return 0
  az rest --method POST --uri "$GRAPH/servicePrincipals/$sp/appRoleAssignedTo" \
    --headers "Content-Type=application/json" \
    --body "{\"principalId\":\"$principal\",\"resourceId\":\"$sp\",\"appRoleId\":\"$role\"}" >/dev/null
}
