// Entry point of the Function App (package.json "main"): registers every function with the
// Azure Functions host. The runtime is composed once per worker from app settings, on first use.
import { app } from "@azure/functions";
import type { Runtime } from "../src/app/runtime.js";
import { SETTINGS, composeFromEnvironment } from "../src/compose.js";
import { orchestrateFunction, probeFunction, statusFunction } from "./handlers.js";

let pending: Promise<Runtime> | undefined;

/** Composes on first use; a failure is not cached, so a fixed setting or a returned store is picked up. */
function runtime(): Promise<Runtime> {
  pending ??= composeFromEnvironment(process.env).catch((error: unknown) => {
    pending = undefined;
    throw error;
  });
  return pending;
}

const probe = probeFunction(runtime, `%${SETTINGS.probeSchedule}%`);
app.timer(probe.name, { schedule: probe.schedule, handler: probe.handler });

const orchestrate = orchestrateFunction(runtime, `%${SETTINGS.orchestrateSchedule}%`);
app.timer(orchestrate.name, { schedule: orchestrate.schedule, handler: orchestrate.handler });

const status = statusFunction(runtime);
app.http(status.name, {
  route: status.route,
  methods: [...status.methods],
  authLevel: "function",
  handler: status.handler,
});
