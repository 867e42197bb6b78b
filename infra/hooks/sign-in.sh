#!/usr/bin/env bash
# The browser sign-in without a client secret: a federated identity credential on Tandem's app
# registration that trusts the sign-in identity (the TANDEM_SIGN_IN_PRINCIPAL_ID output of
# infra/main.bicep), so that App Service Authentication, given that identity in
# OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID, redeems a sign-in as the app registration and gets an
# access token for Tandem's API (infra/modules/observer.bicep says why). The credential's
# issuer is the tenant's Entra ID, its subject the identity's object id, its audience
# api://AzureADTokenExchange, as Microsoft's "Configure an application to trust a managed
# identity" says (workload-identity-federation-config-app-trust-managed-identity). Running it
# again changes nothing; a credential of the same name that trusts another identity (a new
# environment) is pointed at this one.
source "$(dirname "$0")/common.sh"
need az "the browser sign-in's federated credential"
app_id="${TANDEM_API_CLIENT_ID:?run infra/hooks/entra-app.sh first}"
principal="${TANDEM_SIGN_IN_PRINCIPAL_ID:?provision first (azd provision): TANDEM_SIGN_IN_PRINCIPAL_ID names the sign-in identity}"
name="tandem-sign-in"
login="$(az cloud show --query endpoints.activeDirectory -o tsv)"
tenant="$(az account show --query tenantId -o tsv)"
credential="{\"name\":\"$name\",\"issuer\":\"${login%/}/$tenant/v2.0\",\"subject\":\"$principal\",\
\"audiences\":[\"api://AzureADTokenExchange\"],\"description\":\"Tandem's browser sign-in (App Service Authentication)\"}"

held="$(az ad app federated-credential list --id "$app_id" --query "[?name=='$name'].subject | [0]" -o tsv)"
if [ -z "$held" ]; then
  az ad app federated-credential create --id "$app_id" --parameters "$credential" >/dev/null
  echo "the app registration trusts the sign-in identity $principal (federated credential $name)"
elif [ "$held" != "$principal" ]; then
  az ad app federated-credential update --id "$app_id" --federated-credential-id "$name" \
    --parameters "$credential" >/dev/null
  echo "the app registration's federated credential $name now trusts the sign-in identity $principal"
fi
