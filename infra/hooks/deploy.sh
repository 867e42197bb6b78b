#!/usr/bin/env bash
# azd predeploy (and `npm run deploy`): package the app, then deploy it region by region. The
# observers that do not hold the lease go first, each one live again (ticking, on the new version)
# before the next; the lease holder goes last, so the lease moves at most once, and never while
# no other observer is live. `tandem deploy order` and `tandem deploy wait-live` read /api/status.
source "$(dirname "$0")/common.sh"
need az "uploading the package"
: "${TANDEM_APPS:?provision first (azd provision): TANDEM_APPS lists the Function Apps}"
: "${AZURE_RESOURCE_GROUP:?provision first (azd provision)}"

npm run --silent package -- --config "$CONFIG"
package="$ROOT/.package/tandem.zip"
version="$(node -p 'require("./package.json").version')"

# A secret the configuration names must resolve, or the apps refuse to start.
while IFS= read -r secret; do
  [ -n "$secret" ] || continue
  name="$(node -e 'console.log(JSON.parse(process.argv[1]).secretName)' "$secret")"
  az keyvault secret show --vault-name "${TANDEM_KEY_VAULT:?}" --name "$name" --query id -o tsv >/dev/null ||
    { echo "tandem: Key Vault secret $name is not set (docs/deploy.md, \"Secrets\")" >&2; exit 1; }
done < <(parameter_lines secrets)

TANDEM_TOKEN="$(az account get-access-token --resource "api://${TANDEM_API_CLIENT_ID:?}" --query accessToken -o tsv)"
export TANDEM_TOKEN
mapfile -t regions < <(json_field TANDEM_APPS region)
mapfile -t names < <(json_field TANDEM_APPS name)
mapfile -t urls < <(json_field TANDEM_APPS url)
app_of() { for i in "${!regions[@]}"; do [ "${regions[$i]}" = "$1" ] && echo "${names[$i]}"; done; }
# Whom to ask about REGION while it restarts: another observer's API (its own if it is alone).
witness_of() {
  for i in "${!regions[@]}"; do [ "${regions[$i]}" != "$1" ] && { echo "${urls[$i]}"; return; }; done
  echo "${urls[0]}"
}

mapfile -t order < <(tandem deploy order "$CONFIG" --api "${urls[0]}")
for region in "${order[@]}"; do
  app="$(app_of "$region")"
  echo "deploying $version to $region ($app)"
  az functionapp deployment source config-zip --resource-group "$AZURE_RESOURCE_GROUP" \
    --name "$app" --src "$package" >/dev/null
  since="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  tandem deploy wait-live "$region" --since "$since" --expect-version "$version" \
    --api "$(witness_of "$region")" --timeout 600
done
echo "deployed $version to ${#order[@]} region(s): ${order[*]}"
