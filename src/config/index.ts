export * from "./schema.js";
export * from "./problems.js";
export * from "./load.js";
export * from "./secrets.js";
export * from "./policy.js";
export { jsonSchema } from "./json-schema.js";
export { renderReference } from "./reference.js";
export { configWarnings } from "./warnings.js";
export { AZURE_REGIONS, AZURE_REGIONS_CHECKED, AZURE_REGIONS_SOURCE } from "./azure-regions.js";
