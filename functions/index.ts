// Entry point of the Function App (package.json "main"): registers every function with the
// Azure Functions host. The runtime is composed once per worker from app settings, on first use;
// the composition root (the state store's SDK, the configuration schema, the identity and the
// levers the configuration names) is imported then too, not when the host loads this file.
import { app } from "@azure/functions";
import type { Runtime } from "../src/app/runtime.js";
import { SETTINGS } from "../src/settings.js";
import { tickFunction } from "./handlers.js";
import { apiFunctions } from "./api.js";

let pending: Promise<Runtime> | undefined;

/** Composes on first use; a failure is not cached, so a fixed setting or a returned store is picked up. */
function runtime(): Promise<Runtime> {
  pending ??= import("../src/compose.js")
    .then(({ composeFromEnvironment }) => composeFromEnvironment(process.env))
    .catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
  return pending;
}

// One timer: each tick probes, then decides (ADR 18).
const tick = tickFunction(runtime, `%${SETTINGS.tickSchedule}%`);
app.timer(tick.name, { schedule: tick.schedule, handler: tick.handler });

// HTTP: authLevel "anonymous" because Tandem authorises every call itself (an access token it
// validates, with roles); a function key would add nothing a caller could not share, and must
// never be enough for a change.
for (const fn of apiFunctions(runtime))
  app.http(fn.name, {
    route: fn.route,
    methods: [...fn.methods],
    authLevel: "anonymous",
    handler: fn.handler,
  });
