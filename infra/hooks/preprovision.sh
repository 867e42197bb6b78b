#!/usr/bin/env bash
# azd preprovision: make sure Tandem's Entra app registration exists,
# derive infra/main.parameters.json from the configuration (which refuses a configuration that is
# not valid or cannot be deployed, naming every problem), and make sure every secret the
# configuration names will have a value before any Azure resource is made.
#
# azd up may read the parameters before this hook runs (Azure/azure-dev#5806), so when the file was
# missing or out of date it is rewritten and the hook stops: run the command again (or run
# `azd hooks run preprovision` before the first `azd up`).
#
# A secret comes from the azd environment value named like its app setting (`azd env set
# TEAMS_WEBHOOK_URL ...`, or `azd env set-secret TEAMS_WEBHOOK_URL` for a reference to a Key Vault
# secret of yours); postprovision copies it into Tandem's Key Vault. One already in Tandem's Key
# Vault (a later deployment) needs no environment value. A secret with neither stops the hook here,
# before anything is made, since the apps would refuse to start without it.
source "$(dirname "$0")/common.sh"
need node "the tandem command"
need az "the Entra app registration"
npm run --silent build
bash infra/hooks/entra-app.sh

written=0
tandem deploy parameters "$CONFIG" --out "$PARAMETERS" --check \
  ${AZURE_SUBSCRIPTION_ID:+--subscription "$AZURE_SUBSCRIPTION_ID"} || written=$?
[ "$written" -le 1 ] || exit "$written" # 2: the configuration cannot be deployed

missing=()
secrets="$(secret_pairs)" # in an assignment, so that a failure stops the hook
while read -r setting secret; do
  [ -n "$setting" ] || continue
  [ -z "${!setting:-}" ] || continue
  if [ -n "${TANDEM_KEY_VAULT:-}" ] &&
    az keyvault secret show --vault-name "$TANDEM_KEY_VAULT" --name "$secret" --query id -o tsv >/dev/null 2>&1; then
    continue
  fi
  missing+=("$setting")
done <<<"$secrets"
if [ "${#missing[@]}" -gt 0 ]; then
  echo "tandem: the configuration names secrets that have no value yet. Give each one to azd, then run the command again:" >&2
  for setting in "${missing[@]}"; do
    echo "  azd env set $setting '<value>'      (or: azd env set-secret $setting)" >&2
  done
  echo "(docs/deploy.md, \"Secrets\": they go into Tandem's Key Vault after provisioning, never into a template)" >&2
  exit 1
fi
exit "$written"
