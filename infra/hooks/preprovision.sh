#!/usr/bin/env bash
# azd preprovision: check the configuration, make sure Tandem's Entra app registration exists, and
# derive infra/main.parameters.json from the configuration. azd up may read the parameters before
# this hook runs, so when the file was missing or out of date it is rewritten and the hook stops:
# run the command again (or run `azd hooks run preprovision` before the first `azd up`).
source "$(dirname "$0")/common.sh"
need node "the tandem command"
need az "the Entra app registration"
npm run --silent build
tandem validate-config "$CONFIG"
bash infra/hooks/entra-app.sh
tandem deploy parameters "$CONFIG" --out "$PARAMETERS" --check \
  ${AZURE_SUBSCRIPTION_ID:+--subscription "$AZURE_SUBSCRIPTION_ID"}
