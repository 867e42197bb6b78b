// `tandem failover GROUP --to REGION` and `tandem failback GROUP`: one request each (retried once
// with the same idempotency key), a plan with --dry-run, and with --wait the incident followed to
// its end.
import type {
  CommandAccepted,
  CommandInput,
  DryRunAnswer,
  IncidentDetail,
} from "../../app/api/types.js";
import { TERMINAL } from "../../core/incident.js";
import type { Answer, Api } from "../client.js";
import { EXIT, call, unavailable } from "../client.js";
import type { CommandContext } from "../command.js";
import { Usage } from "../command.js";
import { duration, formatPlan, stepTimes } from "../format.js";

export const failover = (c: CommandContext) => shift(c, "failover");
export const failback = (c: CommandContext) => shift(c, "failback");

async function shift(c: CommandContext, command: "failover" | "failback"): Promise<number> {
  const { options: o, api, io, print } = c;
  const group = c.group();
  const reason = c.need(o.reason, "--reason TEXT: why, for the audit log");
  const to = command === "failover" ? c.need(o.to, "--to REGION") : o.to;
  const body: CommandInput<"failback"> & Partial<CommandInput<"failover">> = {
    ...(to ? { to } : {}),
    reason,
    ...(o["dry-run"] ? { dryRun: true } : {}),
    ...(o.override ? { override: true } : {}),
  };
  if (o.override && command === "failback") throw new Usage("--override is for failover only");
  const key = o.key ?? `cli-${Date.now()}-${Math.random().toString(36).slice(2, 10)}`;
  const send = () =>
    call<CommandAccepted | DryRunAnswer>(
      api,
      "POST",
      `/api/groups/${encodeURIComponent(group)}/${command}`,
      body,
      o["dry-run"] ? {} : { "idempotency-key": key },
    );
  // One retry with the same idempotency key: if the first request did arrive, the retry
  // answers with its incident instead of opening a second one.
  const answer = await send().catch(async (error: unknown) => {
    if (!unavailable(error)) throw error;
    io.err(`(${error.message}; retrying once)\n`);
    await io.sleep(1000);
    return send();
  });
  if ("dryRun" in answer.body) {
    print(formatPlan(answer.body.plan), answer.body);
    return EXIT.ok;
  }
  const id = answer.body.incident;
  if (!o.wait) {
    print(
      `${group}: ${command} accepted as incident ${id}${answer.body.repeated ? " (a retry of the same request)" : ""}; follow it with: tandem incidents ${id}`,
      answer.body,
    );
    return EXIT.ok;
  }
  io.err(`${group}: ${command} accepted as incident ${id}\n`);
  const final = await follow(api, id);
  const i = final.body;
  print(
    [`${group}: ${command} to ${i.to} ${i.step}`, "time per step:", ...stepTimes(i)].join("\n"),
    i,
  );
  return i.step === "completed" ? EXIT.ok : EXIT.failed;
}

/** Follows an incident until it ends, redrawing one progress line on stderr. */
async function follow(api: Api, id: string): Promise<Answer<IncidentDetail>> {
  const { io } = api;
  let last = "";
  const started = Date.now();
  let failingSince: number | undefined;
  for (;;) {
    let answer: Answer<IncidentDetail>;
    try {
      answer = await call<IncidentDetail>(api, "GET", `/api/incidents/${encodeURIComponent(id)}`);
      failingSince = undefined;
    } catch (error) {
      // A blip (a 5xx, a dropped connection) does not end the watch; a minute of them does.
      if (!unavailable(error)) throw error;
      failingSince ??= Date.now();
      if (Date.now() - failingSince > 60_000) throw error;
      io.err(`${io.tty ? "\r\x1b[K" : ""}(${error.message}; still following)${io.tty ? "" : "\n"}`);
      await io.sleep(2000);
      continue;
    }
    const i = answer.body;
    const stepStart = i.history.find((h) => h.step === i.step)?.at ?? i.stepStartedAt;
    const line = `${i.step} (${duration(Date.now() - started)} in all, ${duration(Date.now() - stepStart)} in this step): ${i.history.at(-1)?.note ?? ""}`;
    if (io.tty) io.err(`\r\x1b[K${line}`);
    else if (`${i.step}|${i.history.length}` !== last) io.err(`${line}\n`);
    last = `${i.step}|${i.history.length}`;
    if (TERMINAL.has(i.step)) {
      if (io.tty) io.err("\n");
      return answer;
    }
    await io.sleep(1000);
  }
}
