#!/usr/bin/env bash
# azd predeploy (and `npm run deploy`): package the app, then deploy it region by region. The
# observers that do not hold the lease go first, each one live again (ticking, on the new version)
# before the next; the lease holder goes last, so the lease moves at most once, and never while
# no other observer is live. `tandem deploy order` and `tandem deploy wait-live` read /api/status
# from every app in turn: on the first deployment no app has code yet (each answers 404), so the
# order is the configuration's, and the first region is seen live by its own API.
source "$(dirname "$0")/common.sh"
need az "uploading the package"
: "${TANDEM_APPS:?provision first (azd provision): TANDEM_APPS lists the Function Apps}"
: "${AZURE_RESOURCE_GROUP:?provision first (azd provision)}"

npm run --silent package -- --config "$CONFIG"
package="$ROOT/.package/tandem.zip"
version="$(node -p 'require("./package.json").version')"

# A secret the configuration names must resolve, or the apps refuse to start.
missing=0
secrets="$(secret_pairs)" # in an assignment, so that a failure stops the hook
while read -r setting secret; do
  [ -n "$setting" ] || continue
  if ! while_role_pending "reading Key Vault secret $secret" \
    az keyvault secret show --vault-name "${TANDEM_KEY_VAULT:?}" --name "$secret" --query id -o tsv >/dev/null 2>&1; then
    echo "tandem: Key Vault secret $secret ($setting) is not set: azd env set $setting '<value>', then azd provision (docs/deploy.md, \"Secrets\")" >&2
    missing=1
  fi
done <<<"$secrets"
[ "$missing" = 0 ] || exit 1

TANDEM_TOKEN="$(az account get-access-token --resource "api://${TANDEM_API_CLIENT_ID:?}" --query accessToken -o tsv)"
export TANDEM_TOKEN
regions=()
names=()
urls=()
apps="$(app_lines)"
while read -r region name url _; do
  regions+=("$region")
  names+=("$name")
  urls+=("$url")
done <<<"$apps"
# (An `if`, not `[ ] && echo`: under `set -e` a last test that fails would end the hook.)
app_of() { for i in "${!regions[@]}"; do if [ "${regions[$i]}" = "$1" ]; then echo "${names[$i]}"; fi; done; }
# Whom to ask about REGION: the other observers first (an app that restarts may not answer for
# itself), then its own API (on a first deployment the others have no code yet).
apis_for() {
  for i in "${!regions[@]}"; do [ "${regions[$i]}" = "$1" ] || printf -- '--api\n%s\n' "${urls[$i]}"; done
  for i in "${!regions[@]}"; do [ "${regions[$i]}" != "$1" ] || printf -- '--api\n%s\n' "${urls[$i]}"; done
}
all_apis=()
for url in "${urls[@]}"; do all_apis+=(--api "$url"); done

order_text="$(tandem deploy order "$CONFIG" "${all_apis[@]}")" # stops here if Tandem refuses the token
mapfile -t order <<<"$order_text"
for region in "${order[@]}"; do
  app="$(app_of "$region")"
  echo "deploying $version to $region ($app)"
  while_role_pending "uploading the package to $app" \
    az functionapp deployment source config-zip --resource-group "$AZURE_RESOURCE_GROUP" \
    --name "$app" --src "$package" >/dev/null
  since="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  mapfile -t ask < <(apis_for "$region")
  tandem deploy wait-live "$region" --since "$since" --expect-version "$version" \
    "${ask[@]}" --timeout "${TANDEM_LIVE_TIMEOUT_SECONDS:-600}"
done
echo "deployed $version to ${#order[@]} region(s): ${order[*]}"
