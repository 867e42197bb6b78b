export * from "./observation.js";
export * from "./verdict.js";
