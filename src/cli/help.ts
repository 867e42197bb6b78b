// The text of `tandem help`. It names the deploy commands without loading their code.
import { DEPLOY_HELP } from "./deploy-help.js";

export const HELP = `Usage: tandem <command> [options]

Commands:
  status [--watch]                          groups, regions, verdicts, routing, incidents
  failover GROUP --to REGION --reason TEXT  move GROUP's traffic to REGION
           [--dry-run] [--override] [--wait] [--key KEY]
  failback GROUP --reason TEXT [--to REGION] [--dry-run] [--wait] [--key KEY]
  pause (GROUP | --all) --reason TEXT       stop automatic failover (manual commands still work)
  resume (GROUP | --all) --reason TEXT
  drill GROUP --reason TEXT                 play failover and failback on levers that change
                                            nothing, on a simulated clock: answers at once with
                                            each step and its expected time
  readiness [GROUP]                         whether each standby could take the traffic now:
                                            every check with its evidence and fix (exit 1 when
                                            one is not ready)
  incidents [ID] [--group G] [--limit N]    recent incidents, or one with its steps
  audit [--limit N] [--before N]            the audit log, newest first
  audit refused [--limit N] [--before N]    calls refused before they did anything (401, 403,
                                            400), counted per caller and minute, newest first
  alerts test CHANNEL                       send a sample alert through CHANNEL and show
                                            the receiver's answer
  validate-config [FILE]                    check a configuration file (default tandem.config.json)
${DEPLOY_HELP}

Options:
  --api URL     Tandem's API (default: TANDEM_API, or the sandbox on loopback at TANDEM_PORT or 7071);
                deploy order and wait-live take it once per observer and ask each in turn
  --token T     bearer token (default: TANDEM_TOKEN); sent over https, or over http to loopback only
  --json        machine-readable output on stdout
  --wait        follow the incident until it ends, showing each step (on stderr)
  --version     print the version of this tandem command

Exit codes: 0 done; 1 the incident waited for failed or was aborted; 2 bad usage or request;
3 refused (a safety rule, a running incident, an unknown group or region); 4 not signed in or
not allowed; 5 Tandem unreachable or failing.`;
