#!/usr/bin/env bash
# Gives the identity each observer's Function App acts as (TANDEM_APPS[].principalId, a Bicep
# output) every app role of Tandem's app registration meant for applications alone
# (allowedMemberTypes is exactly ["Application"] in `tandem deploy app-roles`: the observer role),
# so that an observer can call its peers' API once the app registration requires an assigned role
# (entra-app.sh sets appRoleAssignmentRequired). Roles people hold too (reader, operator) are not
# given to the observers: least privilege. A role added to src/deploy/app-roles.ts is assigned on
# the next provision; nothing here names a role. Running it again changes nothing.
source "$(dirname "$0")/common.sh"
need az "the identities' app roles"
: "${TANDEM_APPS:?provision first (azd provision): TANDEM_APPS lists the Function Apps}"

roles="$(mktemp)"
trap 'rm -f "$roles"' EXIT
tandem deploy app-roles "$CONFIG" >"$roles"
mapfile -t application_roles < <(node -e '
  for (const r of JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")))
    if (r.isEnabled && r.allowedMemberTypes.length === 1 && r.allowedMemberTypes[0] === "Application")
      console.log(`${r.id} ${r.value}`);
' "$roles")
apps="${TANDEM_APP_LINES:-$(app_lines)}"
mapfile -t principals < <(while read -r _ _ _ principal; do echo "$principal"; done <<<"$apps" | sort -u)
[ "${#application_roles[@]}" -gt 0 ] || exit 0

sp_id="$(api_service_principal)"
for principal in "${principals[@]}"; do
  [ -n "$principal" ] && [ "$principal" != "-" ] || continue
  for role in "${application_roles[@]}"; do
    assign_app_role "$sp_id" "$principal" "${role%% *}"
    echo "observer identity $principal holds app role ${role#* }"
  done
done
