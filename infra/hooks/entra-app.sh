#!/usr/bin/env bash
# Tandem's Entra app registration, made with the Azure CLI because Bicep's resource providers do
# not create Entra applications. It carries the app roles the configuration names (`api.readerRole`
# and `api.operatorRole`, from `tandem deploy app-roles`), an API scope the Azure CLI is trusted to
# ask tokens for (so `az account get-access-token --resource api://<client id>` works for the
# tandem CLI and the deploy hook), and version 2 access tokens. Its service principal requires an
# assigned app role (appRoleAssignmentRequired, a property of Microsoft Graph's servicePrincipal):
# nobody else in the tenant gets a token for Tandem's API. Running it again changes nothing.
# The person who runs it gets the reader role, so that the deploy hook can read /api/status; the
# observers' identities get the roles meant for applications in postprovision (identity-roles.sh).
source "$(dirname "$0")/common.sh"
need az "the Entra app registration"
# Display names are not unique in a tenant, and two subscriptions may each have an environment
# "prod": the name carries the subscription too, and the environment remembers its app's id.
name="tandem-${AZURE_ENV_NAME:?run this through azd, or set AZURE_ENV_NAME}-${AZURE_SUBSCRIPTION_ID:0:8}"
AZURE_CLI_APP_ID="04b07795-8ddb-461a-bbee-02f9e1bf7b46"

roles="$(mktemp)"
trap 'rm -f "$roles"' EXIT
tandem deploy app-roles "$CONFIG" >"$roles"

app_id="${TANDEM_API_CLIENT_ID:-}"
if [ -n "$app_id" ] && ! az ad app show --id "$app_id" --query appId -o tsv >/dev/null 2>&1; then
  app_id="" # deleted since: make it again
fi
[ -n "$app_id" ] || app_id="$(az ad app list --display-name "$name" --query '[0].appId' -o tsv)"
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
az rest --method PATCH --uri "$GRAPH/applications/$object_id" --headers "Content-Type=application/json" \
  --body "{\"api\":{\"requestedAccessTokenVersion\":2,\"oauth2PermissionScopes\":[$scope]}}"
az rest --method PATCH --uri "$GRAPH/applications/$object_id" --headers "Content-Type=application/json" \
  --body "{\"api\":{\"preAuthorizedApplications\":[{\"appId\":\"$AZURE_CLI_APP_ID\",\"delegatedPermissionIds\":[\"$scope_id\"]}]}}"

sp_id="$(az ad sp list --filter "appId eq '$app_id'" --query '[0].id' -o tsv)"
[ -n "$sp_id" ] || sp_id="$(az ad sp create --id "$app_id" --query id -o tsv)"
az rest --method PATCH --uri "$GRAPH/servicePrincipals/$sp_id" --headers "Content-Type=application/json" \
  --body '{"appRoleAssignmentRequired":true}'

# A person signed in gets the reader role; a service principal running azd (CI) has no
# signed-in user, and is given a role by whoever set it up.
user_id="$(az ad signed-in-user show --query id -o tsv 2>/dev/null || true)"
if [ -n "$user_id" ]; then
  # The reader role: the first role people may hold (src/deploy/app-roles.ts lists it first).
  reader_role_id="$(node -e '
    const roles = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(roles.find((r) => r.allowedMemberTypes.includes("User")).id);
  ' "$roles")"
  assign_app_role "$sp_id" "$user_id" "$reader_role_id"
fi

azd env set TANDEM_API_CLIENT_ID "$app_id"
echo "Entra app registration $name: client id $app_id"
