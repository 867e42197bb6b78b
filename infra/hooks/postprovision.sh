#!/usr/bin/env bash
# azd postprovision: let each Function App sign people in (its redirect URI on the app
# registration, and the federated credential its sign-in redeems with: sign-in.sh), give each
# observer's identity the app roles meant for applications, and put the secrets the configuration
# names into Tandem's Key Vault, from the azd environment values of the same names (preprovision
# made sure each has one, or is in the vault already). Until every secret resolves, the apps
# refuse to start; the predeploy hook checks them again before deploying.
source "$(dirname "$0")/common.sh"
need az "the app registration, the identities' app roles and Key Vault"
: "${TANDEM_APPS:?provision first (azd provision): TANDEM_APPS lists the Function Apps}"
apps="$(app_lines)"
urls=()
while read -r _ _ url _; do urls+=("$url/.auth/login/aad/callback"); done <<<"$apps"
az ad app update --id "${TANDEM_API_CLIENT_ID:?}" --web-redirect-uris "${urls[@]}"

TANDEM_APP_LINES="$apps" bash infra/hooks/identity-roles.sh
bash infra/hooks/sign-in.sh

# The value of an environment value: itself, or the Key Vault secret an `azd env set-secret`
# reference names (akvs://<subscription>/<vault>/<secret>, azd's form: pkg/azdext/keyvault_resolver.go
# in Azure/azure-dev), read with the Azure CLI since azd resolves references only for the hooks
# azure.yaml lists them for, and the secrets here follow the configuration.
secret_value() {
  local value="$1"
  if [[ "$value" == akvs://* ]]; then
    local rest="${value#akvs://}"
    local vault secret
    vault="$(cut -d/ -f2 <<<"$rest")"
    secret="$(cut -d/ -f3 <<<"$rest")"
    value="$(az keyvault secret show --vault-name "$vault" --name "$secret" --query value -o tsv)"
  fi
  [ -n "$value" ] || { echo "tandem: the azd environment value for Key Vault secret $2 is empty" >&2; return 1; }
  printf '%s' "$value"
}

vault="${TANDEM_KEY_VAULT:?provision first: TANDEM_KEY_VAULT names the Key Vault}"
missing=0
secrets="$(secret_pairs)" # in an assignment, so that a failure stops the hook
while read -r setting secret; do
  [ -n "$setting" ] || continue
  if [ -n "${!setting:-}" ]; then
    value_file="$(mktemp)"
    chmod 600 "$value_file"
    secret_value "${!setting}" "$secret" >"$value_file"
    # The vault's current value, if any: a secret is written only when it changes, so running
    # provision again makes no new version. Reading it needs the role provision just gave you.
    current="$(while_role_pending "reading Key Vault secret $secret" \
      az keyvault secret show --vault-name "$vault" --name "$secret" --query value -o tsv 2>/dev/null || true)"
    if [ "$current" != "$(cat "$value_file")" ]; then
      while_role_pending "setting Key Vault secret $secret" \
        az keyvault secret set --vault-name "$vault" --name "$secret" --file "$value_file" \
        --encoding utf-8 --query id -o tsv >/dev/null
      echo "Key Vault secret $secret set from the azd environment value $setting"
    fi
    rm -f "$value_file"
  elif ! az keyvault secret show --vault-name "$vault" --name "$secret" --query id -o tsv >/dev/null 2>&1; then
    [ "$missing" = 1 ] || echo "Set these secrets before azd deploy (docs/deploy.md, \"Secrets\"):"
    missing=1
    echo "  azd env set $setting '<value>' && azd provision"
  fi
done <<<"$secrets"
echo "Tandem is provisioned: ${#urls[@]} observer app(s) in ${AZURE_RESOURCE_GROUP:-its resource group}."
