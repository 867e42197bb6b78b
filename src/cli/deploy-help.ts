// The `tandem deploy` lines of the help text, apart from the commands, so that `tandem --help`
// loads none of the deployment code.
export const DEPLOY_HELP = `  deploy parameters [FILE] [--out PATH] [--subscription ID] [--check]
                                            the Bicep parameters derived from FILE (JSON); with
                                            --check, exit 1 if --out was out of date (rewritten)
  deploy app-roles [FILE]                   the Entra app roles for the API (JSON)
  deploy order [FILE] [--api URL ...]       observer regions to upgrade, lease holder last
                                            (the file's order while no API answers)
  deploy wait-live REGION --since TIME [--expect-version V] [--timeout S] [--api URL ...]
                                            wait until REGION's observer ticks again, as the
                                            first API that answers sees it`;
