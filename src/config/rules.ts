// Rules that span more than one field. They read the raw file rather than the parsed result so
// that they run even when some field has the wrong type: every problem is reported at once.
import type { ConfigProblem } from "./problems.js";
import { API_ROLE_DEFAULTS, POLICY_DEFAULTS } from "./defaults.js";
import { PROBE_KINDS } from "../probes/registry.js";
import type { ProbeKindRegistry } from "../probes/types.js";
import { checkProbe } from "./probe-schema.js";
import { formatPath } from "./problems.js";
import { checkRegionNames } from "./regions.js";
import type { ProviderRegistry } from "../providers/types.js";
import { PROVIDERS } from "../providers/registry.js";

type Path = readonly (string | number)[];
type Raw = Record<string, unknown>;

function record(value: unknown): Raw | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Raw)
    : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

class Problems {
  readonly found: ConfigProblem[] = [];
  add(path: Path, message: string): void {
    this.found.push({ path: formatPath(path), message });
  }
}

/** Reports every later item whose key (at `key` inside the item) repeats an earlier one's. */
function unique(out: Problems, items: unknown[], base: Path, key: Path, what: string): void {
  const seen = new Map<string, number>();
  items.forEach((item, index) => {
    let value: unknown = item;
    for (const segment of key) value = record(value)?.[segment];
    if (typeof value !== "string") return;
    const first = seen.get(value);
    if (first === undefined) seen.set(value, index);
    else
      out.add(
        [...base, index, ...key],
        `duplicate ${what} "${value}" (already at ${formatPath([...base, first, ...key])})`,
      );
  });
}

function checkRoles(out: Problems, group: Raw, path: Path): void {
  const model = text(group["model"]);
  const regions = list(group["regions"]);
  const roles = regions.map((r) => text(record(r)?.["role"]));
  if (model === "active-active") {
    roles.forEach((role, i) => {
      if (role !== undefined && role !== "active")
        out.add(
          [...path, "regions", i, "role"],
          `must be "active" in an active-active group (got "${role}")`,
        );
    });
    return;
  }
  if (model !== "active-passive" && model !== "passive-cold") return;
  roles.forEach((role, i) => {
    if (role === "active")
      out.add(
        [...path, "regions", i, "role"],
        `must be "primary" or "secondary" in a ${model} group (got "active")`,
      );
  });
  const primaries = roles.filter((r) => r === "primary").length;
  if (primaries !== 1)
    out.add(
      [...path, "regions"],
      `a ${model} group needs exactly one region with role "primary" (found ${primaries})`,
    );
  if (regions.length >= 2 && !roles.includes("secondary"))
    out.add(
      [...path, "regions"],
      `a ${model} group needs at least one region with role "secondary"`,
    );
  if (model === "passive-cold") {
    regions.forEach((r, i) => {
      const region = record(r);
      if (region?.["role"] === "secondary" && region["cluster"] === undefined)
        out.add(
          [...path, "regions", i, "cluster"],
          "is required for a passive-cold secondary: Tandem starts this cluster to wake the region",
        );
    });
  }
}

function checkTraffic(out: Problems, group: Raw, path: Path): void {
  const hasLever = group["traffic"] !== undefined;
  const regions = list(group["regions"]);
  regions.forEach((r, i) => {
    const region = record(r);
    if (region === undefined) return;
    if (hasLever && region["traffic"] === undefined)
      out.add(
        [...path, "regions", i, "traffic"],
        "is required when the group has a traffic lever: name this region's endpoint or origin",
      );
    if (!hasLever && region["traffic"] !== undefined)
      out.add(
        [...path, "regions", i, "traffic"],
        `has no lever to belong to: set ${formatPath([...path, "traffic"])}`,
      );
  });
  unique(out, regions, [...path, "regions"], ["traffic", "endpoint"], "traffic endpoint");
}

/**
 * Data stores follow a primary: a group that has one (active-passive, passive-cold) may list
 * them, each name once; an active-active group writes in every region and has none to move.
 */
function checkData(out: Problems, group: Raw, path: Path, registry: ProviderRegistry): void {
  const stores = list(group["data"]);
  const regions = list(group["regions"]).flatMap((r) => {
    const n = text(record(r)?.["name"]);
    return n === undefined ? [] : [n];
  });
  // Each kind's own rules about the group's regions (a store's settings keyed by region).
  stores.forEach((s, i) => {
    const store = record(s);
    const kind = text(store?.["kind"]) ?? registry.data[0]?.kind;
    const provider = registry.data.find((p) => p.kind === kind);
    if (store === undefined || provider?.check === undefined) return;
    for (const problem of provider.check(store, regions))
      out.add([...path, "data", i, ...problem.path], problem.message);
  });
  const model = text(group["model"]);
  if (group["data"] !== undefined && model === "active-active")
    out.add(
      [...path, "data"],
      "is for active-passive and passive-cold groups: an active-active group has no primary region for its data to follow",
    );
  if (group["dataPolicy"] !== undefined && group["data"] === undefined)
    out.add(
      [...path, "dataPolicy"],
      `has no data stores to apply to: set ${formatPath([...path, "data"])}`,
    );
  unique(out, stores, [...path, "data"], ["name"], "data store");
}

function checkNodePools(out: Problems, cluster: Raw, path: Path): void {
  const pools = list(cluster["nodePools"]);
  unique(out, pools, [...path, "nodePools"], ["name"], "agent pool");
  pools.forEach((p, i) => {
    const pool = record(p);
    if (pool === undefined) return;
    const at = [...path, "nodePools", i];
    const [countValue, min, max] = [
      num(pool["count"]),
      num(pool["minCount"]),
      num(pool["maxCount"]),
    ];
    if ((pool["minCount"] === undefined) !== (pool["maxCount"] === undefined))
      out.add(at, "set both minCount and maxCount to enable the autoscaler, or neither");
    if (min !== undefined && max !== undefined && min > max)
      out.add([...at, "minCount"], `must not exceed maxCount (${max})`);
    if (countValue !== undefined && min !== undefined && countValue < min)
      out.add([...at, "count"], `must be at least minCount (${min})`);
    if (countValue !== undefined && max !== undefined && countValue > max)
      out.add([...at, "count"], `must not exceed maxCount (${max})`);
  });
}

function checkTimeouts(out: Problems, config: Raw): void {
  const policy = record(config["policy"]) ?? {};
  const interval = num(policy["intervalSeconds"]) ?? POLICY_DEFAULTS.intervalSeconds;
  const timeout = num(policy["probeTimeoutSeconds"]) ?? POLICY_DEFAULTS.probeTimeoutSeconds;
  if (timeout >= interval)
    out.add(
      [
        "policy",
        policy["probeTimeoutSeconds"] === undefined ? "intervalSeconds" : "probeTimeoutSeconds",
      ],
      `probe timeout (${timeout} s) must be shorter than the probe interval (${interval} s)`,
    );
  const lease = num(policy["leaseSeconds"]) ?? interval * 3;
  const deadline = num(policy["leaseRenewDeadlineSeconds"]) ?? interval * 2;
  if (deadline <= interval)
    out.add(
      [
        "policy",
        policy["leaseRenewDeadlineSeconds"] === undefined
          ? "intervalSeconds"
          : "leaseRenewDeadlineSeconds",
      ],
      `the lease renew deadline (${deadline} s) must be longer than the interval (${interval} s), so one late renewal does not end the lease`,
    );
  if (lease <= deadline)
    out.add(
      [
        "policy",
        policy["leaseSeconds"] === undefined ? "leaseRenewDeadlineSeconds" : "leaseSeconds",
      ],
      `the lease duration (${lease} s) must be longer than the renew deadline (${deadline} s), so a holder stops acting before anyone can take over`,
    );
  const stale = num(policy["observerStaleSeconds"]);
  if (stale !== undefined && stale <= interval)
    out.add(
      ["policy", "observerStaleSeconds"],
      `must be longer than intervalSeconds (${interval} s)`,
    );
  list(config["groups"]).forEach((g, gi) => {
    const probes: [Path, unknown][] = [[["groups", gi, "entryPoint"], record(g)?.["entryPoint"]]];
    list(record(g)?.["regions"]).forEach((r, ri) =>
      probes.push([["groups", gi, "regions", ri, "probe"], record(r)?.["probe"]]),
    );
    for (const [path, probe] of probes) {
      const own = num(record(probe)?.["timeoutSeconds"]);
      if (own !== undefined && own >= interval)
        out.add(
          [...path, "timeoutSeconds"],
          `must be shorter than the probe interval (${interval} s)`,
        );
    }
  });
}

/** The witness region holds the state store: it must survive the loss of any other region. */
function checkWitness(out: Problems, config: Raw): void {
  const witness = text(record(config["deployment"])?.["witnessRegion"]);
  if (witness === undefined) return;
  const at = ["deployment", "witnessRegion"];
  list(config["groups"]).forEach((g, gi) =>
    list(record(g)?.["regions"]).forEach((r, ri) => {
      if (text(record(r)?.["name"]) === witness)
        out.add(
          at,
          `must not be one of the application's regions (${formatPath(["groups", gi, "regions", ri, "name"])} is "${witness}"): losing that region would take the state store with it`,
        );
    }),
  );
  list(config["observers"]).forEach((o, oi) => {
    if (text(record(o)?.["region"]) === witness)
      out.add(
        at,
        `must not be an observer region (${formatPath(["observers", oi, "region"])} is "${witness}"): losing that region would take an observer and the state store at once`,
      );
  });
}

/** The API's token issuer and roles: keys discovered over https only, three distinct roles. */
function checkApi(out: Problems, config: Raw): void {
  const api = record(config["api"]);
  const bearer = record(api?.["bearer"]);
  const issuer = text(bearer?.["issuer"]);
  if (bearer && issuer !== undefined && issuer !== "" && bearer["keys"] === undefined) {
    let https = false;
    try {
      https = new URL(issuer).protocol === "https:";
    } catch {
      // not a URL: reported below
    }
    if (!https)
      out.add(
        ["api", "bearer", "issuer"],
        "must be an https URL for its signing keys to be discovered (or list them in api.bearer.keys)",
      );
  }
  const seen = new Map<string, string>();
  for (const [key, fallback] of Object.entries(API_ROLE_DEFAULTS)) {
    const value = text(api?.[key]) ?? fallback;
    const first = seen.get(value);
    if (first !== undefined)
      out.add(
        ["api", key],
        `is the same app role as api.${first} ("${value}"): each role must differ`,
      );
    else seen.set(value, key);
  }
}

export function checkConfigRules(
  input: unknown,
  probeKinds: ProbeKindRegistry = PROBE_KINDS,
  registry: ProviderRegistry = PROVIDERS,
): ConfigProblem[] {
  const config = record(input);
  if (config === undefined) return [];
  const out = new Problems();

  unique(out, list(config["observers"]), ["observers"], ["region"], "observer region");
  unique(out, list(config["groups"]), ["groups"], ["name"], "group");
  const channels = list(record(config["alerts"])?.["channels"]);
  unique(out, channels, ["alerts", "channels"], ["name"], "alert channel");
  const groupNames = new Set(
    list(config["groups"]).flatMap((g) => {
      const n = text(record(g)?.["name"]);
      return n === undefined ? [] : [n];
    }),
  );
  channels.forEach((c, ci) =>
    list(record(c)?.["groups"]).forEach((g, gi) => {
      if (typeof g === "string" && !groupNames.has(g))
        out.add(
          ["alerts", "channels", ci, "groups", gi],
          `names no group of this configuration (groups: ${[...groupNames].join(", ")})`,
        );
    }),
  );

  const store = record(config["stateStore"]);
  if (store !== undefined) {
    const hasConnection = store["connection"] !== undefined;
    const hasEndpoint = store["endpoint"] !== undefined;
    if (hasConnection === hasEndpoint)
      out.add(
        ["stateStore"],
        hasConnection
          ? "set either connection or endpoint, not both"
          : 'set connection (a secret reference such as "env:TANDEM_STORAGE") or endpoint (a table service URL reached with managed identity)',
      );
  }

  list(config["groups"]).forEach((g, gi) => {
    const group = record(g);
    if (group === undefined) return;
    const path = ["groups", gi];
    unique(out, list(group["regions"]), [...path, "regions"], ["name"], "region");
    checkRoles(out, group, path);
    checkTraffic(out, group, path);
    checkData(out, group, path, registry);
    list(group["regions"]).forEach((r, ri) => {
      const cluster = record(record(r)?.["cluster"]);
      if (cluster !== undefined) checkNodePools(out, cluster, [...path, "regions", ri, "cluster"]);
    });
  });

  list(config["groups"]).forEach((g, gi) => {
    const entry = record(record(g)?.["entryPoint"]);
    const at = (path: Path) => (inner: Path, message: string) =>
      out.add([...path, ...inner], message);
    if (entry) checkProbe(probeKinds, entry, at(["groups", gi, "entryPoint"]));
    list(record(g)?.["regions"]).forEach((r, ri) => {
      const probe = record(record(r)?.["probe"]);
      if (probe) checkProbe(probeKinds, probe, at(["groups", gi, "regions", ri, "probe"]));
    });
  });

  checkTimeouts(out, config);
  checkWitness(out, config);
  checkApi(out, config);
  return [...out.found, ...checkRegionNames(config).errors];
}
