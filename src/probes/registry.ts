// Every probe kind Tandem can run, listed once. The configuration takes each kind's URL schemes
// and fields from this list, the targets are built by the kind their URL names, and the probe
// engine loads a kind's implementation when a target of that kind is first probed. A new kind is
// a folder beside these and one line here.
import { http } from "./http/index.js";
import { tcp } from "./tcp/index.js";
import type { ProbeKind, ProbeKindRegistry } from "./types.js";

export const PROBE_KINDS = [http, tcp] as const satisfies ProbeKindRegistry;

/**
 * The registry with more kinds (a test's, or an extension's). Kinds and schemes must not repeat,
 * and a field two kinds take must be one declaration (the schema has one rule per field).
 */
export function withProbeKinds(
  base: ProbeKindRegistry,
  extra: readonly ProbeKind[],
): ProbeKindRegistry {
  const kinds = [...base, ...extra];
  const twice = (names: readonly string[]) => names.find((n, i) => names.indexOf(n) !== i);
  const kind = twice(kinds.map((k) => k.kind));
  if (kind) throw new Error(`two probe kinds have the kind "${kind}"`);
  const scheme = twice(kinds.flatMap((k) => k.schemes));
  if (scheme) throw new Error(`two probe kinds take the URL scheme "${scheme}:"`);
  const fields = new Map<string, unknown>();
  for (const k of kinds)
    for (const [name, field] of Object.entries(k.fields)) {
      if (fields.has(name) && fields.get(name) !== field)
        throw new Error(
          `probe kind "${k.kind}" declares the field "${name}" anew: share the declaration of the kind that has it`,
        );
      fields.set(name, field);
    }
  return kinds;
}

/** The scheme of a URL as written, lower case without the colon; undefined when it has none. */
function schemeOf(url: string): string | undefined {
  return /^\s*([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
}

/** The kind whose scheme a URL has. */
export function kindOfUrl(kinds: ProbeKindRegistry, url: string): ProbeKind | undefined {
  const scheme = schemeOf(url);
  return scheme === undefined ? undefined : kinds.find((k) => k.schemes.includes(scheme));
}

/** The kinds that take a field. */
export function kindsWithField(kinds: ProbeKindRegistry, field: string): ProbeKind[] {
  return kinds.filter((k) => Object.hasOwn(k.fields, field));
}
