// Warnings: what is allowed but probably not meant. validate-config and `deploy parameters` print
// them; nothing else reads them, so a warning never stops a sandbox or a Function App.
import type { ConfigProblem } from "./problems.js";
import { checkRegionNames } from "./regions.js";
import type { TandemConfig } from "./schema.js";

export function configWarnings(config: TandemConfig): ConfigProblem[] {
  const warnings = [...checkRegionNames(config).warnings];
  if (config.observers.length === 1)
    warnings.push({
      path: "observers",
      message:
        "lists one observer, and agreement needs two outside a region: the region it runs in can never be confirmed down, and a network fault between it and another region looks exactly like an outage there; list two or more (docs/agreement.md)",
    });
  return warnings;
}
