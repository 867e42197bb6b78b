// `tandem pause` and `tandem resume` (GROUP or --all): automatic failover off and on again.
import type { CommandInput, PauseAnswer } from "../../app/api/types.js";
import { EXIT, call } from "../client.js";
import type { CommandContext } from "../command.js";
import { Usage } from "../command.js";

export const pause = (c: CommandContext) => automation(c, "pause");
export const resume = (c: CommandContext) => automation(c, "resume");

async function automation(c: CommandContext, command: "pause" | "resume"): Promise<number> {
  const { positional, options: o, api, print } = c;
  const reason = c.need(o.reason, "--reason TEXT");
  if (o.all === positional.length > 0) throw new Usage(`${command} takes GROUP or --all`);
  const path = o.all
    ? `/api/all/${command}`
    : `/api/groups/${encodeURIComponent(positional[0]!)}/${command}`;
  const input: CommandInput<"pause"> = { reason };
  const answer = await call<PauseAnswer>(api, "POST", path, input);
  const p = answer.body.paused;
  const target = o.all ? "all groups" : positional[0]!;
  const now = p.all ? "all groups" : p.groups.length ? p.groups.join(", ") : "nothing";
  print(
    command === "pause"
      ? `automation paused for ${target} (paused now: ${now})`
      : `automation resumed for ${target} (still paused: ${now})`,
    answer.body,
  );
  return EXIT.ok;
}
