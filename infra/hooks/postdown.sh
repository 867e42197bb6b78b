#!/usr/bin/env bash
# azd postdown: what `azd down` leaves because it lives outside Tandem's resource group: the
# levers' custom roles (on the subscription) with their assignments (in the levers' resource
# groups), and the Entra app registration. azd down has already removed the deployment's outputs
# from the environment (Azure/azure-dev#2278), so the roles are found by what infra/main.bicep
# names them, "Tandem ... (<environment> <hash>)", and by being assignable in this subscription
# only (the same environment name in another subscription of the tenant is another deployment).
source "$(dirname "$0")/common.sh"
need az "removing the custom roles and the app registration"
env_name="${AZURE_ENV_NAME:?}"
scope="/subscriptions/${AZURE_SUBSCRIPTION_ID:?}"
while IFS= read -r role; do
  [ -n "$role" ] || continue
  for assignment in $(az role assignment list --all --role "$role" --query '[].id' -o tsv); do
    az role assignment delete --ids "$assignment"
  done
  az role definition delete --name "$role" --scope "$scope"
done < <(az role definition list --custom-role-only true --scope "$scope" \
  --query "[?starts_with(roleName, 'Tandem ') && contains(roleName, '($env_name ') && contains(assignableScopes, '$scope')].name" -o tsv)
[ -z "${TANDEM_API_CLIENT_ID:-}" ] || az ad app delete --id "$TANDEM_API_CLIENT_ID"
