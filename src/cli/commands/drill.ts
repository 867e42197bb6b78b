// `tandem drill GROUP`: failover and failback played on levers that change nothing, on a
// simulated clock; the answer comes at once with each step and its expected time.
import type { CommandInput, DrillResult } from "../../app/api/types.js";
import { EXIT, call } from "../client.js";
import type { CommandContext } from "../command.js";
import { duration, formatPlan } from "../format.js";

export async function drill(c: CommandContext): Promise<number> {
  const { options: o, api, io, print } = c;
  const group = c.group();
  const reason = c.need(o.reason, "--reason TEXT");
  // A drill plays both plans on its own simulated clock and opens no incident: there is
  // nothing to follow, so --wait is said to be moot rather than pretended.
  if (o.wait)
    io.err(
      `${group}: a drill changes nothing and runs on a simulated clock, so it answers at once; --wait has nothing to follow\n`,
    );
  const input: CommandInput<"drill"> = { reason };
  const answer = await call<DrillResult>(
    api,
    "POST",
    `/api/groups/${encodeURIComponent(group)}/drill`,
    input,
  );
  const d = answer.body;
  const back = "steps" in d.failback ? d.failback : undefined;
  print(
    [
      `${group}: drill, nothing changed; expected ${duration(d.expectedSeconds * 1000)} in all`,
      formatPlan(d.failover),
      back
        ? formatPlan(back)
        : `failback: ${"refused" in d.failback ? d.failback.refused : "not planned"}`,
    ].join("\n"),
    d,
  );
  return d.failover.outcome === "completed" && back?.outcome === "completed"
    ? EXIT.ok
    : EXIT.failed;
}
