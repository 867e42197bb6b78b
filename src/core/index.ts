export * from "./observation.js";
export * from "./liveness.js";
export * from "./lease.js";
export * from "./verdict.js";
