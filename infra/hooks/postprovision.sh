#!/usr/bin/env bash
# azd postprovision: let each Function App sign people in (its redirect URI on the app
# registration), and say which secrets Key Vault still lacks: until each is set, the apps refuse
# to start (a secret the configuration names must resolve).
source "$(dirname "$0")/common.sh"
need az "the app registration's redirect URIs and Key Vault"
urls=()
while IFS= read -r url; do urls+=("$url/.auth/login/aad/callback"); done < <(json_field TANDEM_APPS url)
az ad app update --id "${TANDEM_API_CLIENT_ID:?}" --web-redirect-uris "${urls[@]}"

missing=0
while IFS= read -r secret; do
  [ -n "$secret" ] || continue
  name="$(node -e 'console.log(JSON.parse(process.argv[1]).secretName)' "$secret")"
  setting="$(node -e 'console.log(JSON.parse(process.argv[1]).setting)' "$secret")"
  if ! az keyvault secret show --vault-name "${TANDEM_KEY_VAULT:?}" --name "$name" --query id -o tsv >/dev/null 2>&1; then
    [ "$missing" = 1 ] || echo "Set these secrets before azd deploy (docs/deploy.md, \"Secrets\"):"
    missing=1
    echo "  az keyvault secret set --vault-name $TANDEM_KEY_VAULT --name $name --value '<$setting>'"
  fi
done < <(parameter_lines secrets)
echo "Tandem is provisioned: ${#urls[@]} observer app(s) in ${AZURE_RESOURCE_GROUP:-its resource group}."
