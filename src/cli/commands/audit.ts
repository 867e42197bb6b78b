// `tandem audit [refused] [--limit N] [--before N]`: the audit log, or the calls refused before
// they did anything (counted per caller and minute), newest first, a page at a time.
import type { AuditAnswer, RefusedAnswer } from "../../app/api/types.js";
import { EXIT, call, queryOf } from "../client.js";
import type { CommandContext } from "../command.js";
import { Usage } from "../command.js";
import { formatAudit } from "../format.js";

export async function audit({ positional, options: o, api, print }: CommandContext) {
  const refused = positional.length === 1 && positional[0] === "refused";
  if (positional.length > 0 && !refused) throw new Usage("audit takes no arguments, or: refused");
  const query = queryOf({ limit: o.limit, before: o.before });
  if (refused) {
    const { refusedLines } = await import("../refused.js");
    const { body } = await call<RefusedAnswer>(api, "GET", `/api/audit/refused?${query}`);
    print(refusedLines(body).join("\n") || "no refused calls", body);
    return EXIT.ok;
  }
  const { body } = await call<AuditAnswer>(api, "GET", `/api/audit?${query}`);
  print(formatAudit(body), body);
  return EXIT.ok;
}
