// `tandem status [--watch]`: groups, regions, verdicts, routing and incidents.
import type { StatusView } from "../../app/api/types.js";
import { EXIT, call } from "../client.js";
import type { CommandContext } from "../command.js";
import { Usage } from "../command.js";
import { formatStatus } from "../format.js";

export async function status({ positional, options: o, api, io, print }: CommandContext) {
  if (positional.length > 0) throw new Usage("status takes no arguments");
  for (;;) {
    const { body } = await call<StatusView>(api, "GET", "/api/status");
    if (o.watch && !o.json && io.tty) io.out("\x1b[H\x1b[2J");
    // Watching with --json gives one compact object per line (NDJSON).
    if (o.watch && o.json) io.out(JSON.stringify(body));
    else print(formatStatus(body), body);
    if (!o.watch) return EXIT.ok;
    await io.sleep(2000);
  }
}
