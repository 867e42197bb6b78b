// `tandem deploy ...`: the deployment commands (../deploy.ts, loaded only when run), given this
// client to read each observer's status.
import type { StatusView } from "../../app/api/types.js";
import { ApiFailure, EXIT, call, unavailable } from "../client.js";
import type { CommandContext } from "../command.js";

export async function deploy({ positional, options: o, bases, api, io }: CommandContext) {
  const { runDeploy } = await import("../deploy.js");
  return await runDeploy(
    {
      positional,
      apis: bases,
      check: o.check,
      json: o.json,
      ...(o.out ? { out: o.out } : {}),
      ...(o.subscription ? { subscription: o.subscription } : {}),
      ...(o.since ? { since: o.since } : {}),
      ...(o["expect-version"] ? { expectVersion: o["expect-version"] } : {}),
      ...(o.timeout ? { timeout: o.timeout } : {}),
    },
    { out: io.out, err: io.err, sleep: io.sleep, now: () => new Date() },
    async (base) => {
      try {
        return (await call<StatusView>({ ...api, base }, "GET", "/api/status")).body;
      } catch (error) {
        // /api/status is there once Tandem's code is: a 404 is an app with no code yet.
        if (error instanceof ApiFailure && error.status === 404)
          throw new ApiFailure(
            `${base}: 404, no Tandem there yet (an app with no code answers 404)`,
            EXIT.unavailable,
          );
        throw error;
      }
    },
    unavailable,
  );
}
