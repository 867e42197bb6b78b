#!/usr/bin/env bash
# azd postdown: what `azd down` leaves because it lives outside Tandem's resource group: the
# levers' custom roles (on the subscription) with their assignments (in the levers' resource
# groups), and the Entra app registration.
source "$(dirname "$0")/common.sh"
need az "removing the custom roles and the app registration"
suffix="(${AZURE_ENV_NAME:?})"
while IFS= read -r role; do
  [ -n "$role" ] || continue
  for assignment in $(az role assignment list --all --role "$role" --query '[].id' -o tsv); do
    az role assignment delete --ids "$assignment"
  done
  az role definition delete --name "$role"
done < <(az role definition list --custom-role-only true \
  --query "[?starts_with(roleName, 'Tandem ') && ends_with(roleName, '$suffix')].name" -o tsv)
[ -z "${TANDEM_API_CLIENT_ID:-}" ] || az ad app delete --id "$TANDEM_API_CLIENT_ID"
