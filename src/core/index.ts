export * from "./observation.js";
export * from "./liveness.js";
export * from "./lease.js";
export * from "./verdict.js";
export * from "./levers.js";
export * from "./incident.js";
export * from "./runbook.js";
export * from "./runbook-retry.js";
