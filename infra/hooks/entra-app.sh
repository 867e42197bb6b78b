#!/usr/bin/env bash
# Tandem's Entra app registration, made with the Azure CLI because Bicep's resource providers do
# not create Entra applications. It carries the app roles the configuration names (`api.readerRole`
# and `api.operatorRole`, from `tandem deploy app-roles`), an API scope the Azure CLI is trusted to
# ask tokens for (so `az account get-access-token --resource api://<client id>` works for the
# tandem CLI and the deploy hook), and version 2 access tokens. Running it again changes nothing.
# The person who runs it gets the reader role, so that the deploy hook can read /api/status.
source "$(dirname "$0")/common.sh"
need az "the Entra app registration"
name="tandem-${AZURE_ENV_NAME:?run this through azd, or set AZURE_ENV_NAME}"
AZURE_CLI_APP_ID="04b07795-8ddb-461a-bbee-02f9e1bf7b46"
graph="https://graph.microsoft.com/v1.0"

roles="$(mktemp)"
trap 'rm -f "$roles"' EXIT
tandem deploy app-roles "$CONFIG" >"$roles"

app_id="$(az ad app list --display-name "$name" --query '[0].appId' -o tsv)"
if [ -z "$app_id" ]; then
  echo "creating the Entra app registration $name"
  app_id="$(az ad app create --display-name "$name" --sign-in-audience AzureADMyOrg \
    --enable-id-token-issuance true --app-roles "@$roles" --query appId -o tsv)"
else
  az ad app update --id "$app_id" --enable-id-token-issuance true --app-roles "@$roles"
fi
object_id="$(az ad app show --id "$app_id" --query id -o tsv)"
az ad app update --id "$app_id" --identifier-uris "api://$app_id"

scope_id="$(az ad app show --id "$app_id" --query "api.oauth2PermissionScopes[?value=='user_impersonation'].id | [0]" -o tsv)"
[ -n "$scope_id" ] || scope_id="$(node -e 'console.log(require("crypto").randomUUID())')"
scope="{\"id\":\"$scope_id\",\"value\":\"user_impersonation\",\"type\":\"User\",\"isEnabled\":true,\
\"adminConsentDisplayName\":\"Use Tandem\",\"adminConsentDescription\":\"Call Tandem's API as the signed-in user.\",\
\"userConsentDisplayName\":\"Use Tandem\",\"userConsentDescription\":\"Call Tandem's API as you.\"}"
az rest --method PATCH --uri "$graph/applications/$object_id" --headers "Content-Type=application/json" \
  --body "{\"api\":{\"requestedAccessTokenVersion\":2,\"oauth2PermissionScopes\":[$scope]}}"
az rest --method PATCH --uri "$graph/applications/$object_id" --headers "Content-Type=application/json" \
  --body "{\"api\":{\"preAuthorizedApplications\":[{\"appId\":\"$AZURE_CLI_APP_ID\",\"delegatedPermissionIds\":[\"$scope_id\"]}]}}"

sp_id="$(az ad sp list --filter "appId eq '$app_id'" --query '[0].id' -o tsv)"
[ -n "$sp_id" ] || sp_id="$(az ad sp create --id "$app_id" --query id -o tsv)"

user_id="$(az ad signed-in-user show --query id -o tsv 2>/dev/null || true)"
if [ -n "$user_id" ]; then
  reader_role_id="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[0].id)' "$roles")"
  az rest --method POST --uri "$graph/servicePrincipals/$sp_id/appRoleAssignedTo" \
    --headers "Content-Type=application/json" \
    --body "{\"principalId\":\"$user_id\",\"resourceId\":\"$sp_id\",\"appRoleId\":\"$reader_role_id\"}" \
    >/dev/null 2>&1 || true # already assigned
fi

azd env set TANDEM_API_CLIENT_ID "$app_id"
echo "Entra app registration $name: client id $app_id"
