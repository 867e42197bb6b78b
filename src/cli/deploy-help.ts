// The `tandem deploy` lines of the help text, apart from the commands, so that `tandem --help`
// loads none of the deployment code.
export const DEPLOY_HELP = `  deploy parameters [FILE] [--out PATH] [--subscription ID] [--check]
                                            the Bicep parameters derived from FILE (JSON); with
                                            --check, exit 1 if --out was out of date (rewritten)
  deploy app-roles [FILE]                   the Entra app roles for the API (JSON)
  deploy order [FILE]                       observer regions to upgrade, lease holder last
  deploy wait-live REGION --since TIME [--expect-version V] [--timeout S]
                                            wait until REGION's observer ticks again`;
