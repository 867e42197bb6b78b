// Region names checked against Azure's list: a name one or two letters from a real region is a
// misspelling (an error, with the name it is close to); a name far from every listed one may be a
// region newer than the list (a warning). `newRegions` accepts names the list does not know.
import { AZURE_REGIONS, AZURE_REGIONS_CHECKED } from "./azure-regions.js";
import { editDistance } from "./distance.js";
import type { ConfigProblem } from "./problems.js";
import { formatPath } from "./problems.js";

type Raw = Record<string, unknown>;

const record = (value: unknown): Raw | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Raw) : undefined;
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Every region name in a configuration (raw or parsed), with its path. */
function regionNames(config: Raw): { path: string; name: string }[] {
  const found: { path: string; name: string }[] = [];
  const add = (path: (string | number)[], value: unknown) => {
    if (typeof value === "string") found.push({ path: formatPath(path), name: value });
  };
  list(config["observers"]).forEach((o, i) =>
    add(["observers", i, "region"], record(o)?.["region"]),
  );
  list(config["groups"]).forEach((g, gi) =>
    list(record(g)?.["regions"]).forEach((r, ri) =>
      add(["groups", gi, "regions", ri, "name"], record(r)?.["name"]),
    ),
  );
  add(["deployment", "witnessRegion"], record(config["deployment"])?.["witnessRegion"]);
  return found;
}

/**
 * The listed region a name is probably a misspelling of: at most one edit away for a short name,
 * two for a name of eight letters or more (`northeurop`, `westeruope`). Names shorter than five
 * letters are never close: they are abbreviations, not misspellings.
 */
export function closeRegion(name: string): string | undefined {
  if (AZURE_REGIONS.has(name) || name.length < 5) return undefined;
  const limit = name.length >= 8 ? 2 : 1;
  let best: { region: string; d: number } | undefined;
  for (const region of AZURE_REGIONS) {
    const d = editDistance(name, region);
    if (d <= limit && (best === undefined || d < best.d)) best = { region, d };
  }
  return best?.region;
}

export interface RegionFindings {
  readonly errors: ConfigProblem[];
  readonly warnings: ConfigProblem[];
}

/** Checks every region name of a configuration against Azure's list. */
export function checkRegionNames(input: unknown): RegionFindings {
  const config = record(input);
  const findings: RegionFindings = { errors: [], warnings: [] };
  if (config === undefined) return findings;
  const accepted = new Set(list(config["newRegions"]).filter((n) => typeof n === "string"));
  for (const { path, name } of regionNames(config)) {
    if (AZURE_REGIONS.has(name) || accepted.has(name)) continue;
    const close = closeRegion(name);
    if (close !== undefined)
      findings.errors.push({
        path,
        message: `"${name}" is not an Azure region; did you mean "${close}"? (If "${name}" is a region newer than Tandem's list, add it to newRegions.)`,
      });
    else
      findings.warnings.push({
        path,
        message: `"${name}" is not in Tandem's list of Azure regions (checked ${AZURE_REGIONS_CHECKED}); if it is a newer region, add it to newRegions to say so`,
      });
  }
  return findings;
}
