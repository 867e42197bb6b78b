// `tandem audit [--limit N] [--before N]`: the audit log, newest first, a page at a time.
import type { AuditAnswer } from "../../app/api/types.js";
import { EXIT, call, queryOf } from "../client.js";
import type { CommandContext } from "../command.js";
import { Usage } from "../command.js";
import { formatAudit } from "../format.js";

export async function audit({ positional, options: o, api, print }: CommandContext) {
  if (positional.length > 0) throw new Usage("audit takes no arguments");
  const query = queryOf({ limit: o.limit, before: o.before });
  const { body } = await call<AuditAnswer>(api, "GET", `/api/audit?${query}`);
  print(formatAudit(body), body);
  return EXIT.ok;
}
