// What a probe kind is: one folder per way of checking a target (http and https, tcp...),
// exporting one of these. The configuration takes each kind's URL schemes and fields from it,
// the targets are built by it, and the probe engine loads its implementation the first time a
// target of its kind is probed. Adding a kind is one folder and one line in registry.ts
// (docs/probes.md, "Adding a probe kind"; ADR 21).
import type { LookupFunction } from "node:net";
import type { z } from "zod";
import type { ProbeOutcome } from "../core/observation.js";
import type { ConfigProblem } from "../config/problems.js";
import type { Environment } from "../config/secrets.js";
import type { ProbeRequest } from "../ports/prober.js";

/** The fields every probe takes, whatever its kind; a kind's own fields come beside these. */
export type CommonProbeSettings = {
  readonly url: string;
  readonly timeoutSeconds?: number;
  readonly maxLatencyMs?: number;
};

/** A probe as the configuration holds it, parsed: the common fields and every kind's fields. */
export type ProbeSettings = CommonProbeSettings & Readonly<Record<string, unknown>>;

/** A probe as a configuration object may give it: the URL, and fields of any kind. */
export type ProbeInput = { readonly url: string } & Readonly<Record<string, unknown>>;

/** A probe as the file has it, before parsing (rules read it even when a field has the wrong type). */
export type RawProbe = Readonly<Record<string, unknown>>;

/** Reports a problem at a path inside the probe (e.g. `["headers", "Authorization"]`). */
export type ReportProblem = (path: readonly (string | number)[], message: string) => void;

/** What building a target's request gets besides the probe's settings. */
export interface RequestContext {
  /** Where the probe is in the file, for problems. */
  readonly path: readonly (string | number)[];
  /** The probe's timeout: its own `timeoutSeconds`, or the policy's. */
  readonly timeoutMs: number;
  /** App settings, for secret references (`env:NAME`). */
  readonly env: Environment;
  /** Reads a file the probe names (a CA file), relative to the configuration. */
  readText(path: string): Promise<string>;
}

/** A target's request, or the problems that stop it from being built (each with its path). */
export interface BuiltRequest<R extends ProbeRequest> {
  readonly request?: R;
  readonly problems: readonly ConfigProblem[];
}

/** What a kind's implementation gets from the engine that runs it. */
export interface RunnerOptions {
  /** Name resolution; tests inject one so that no real name is ever resolved. */
  readonly lookup?: LookupFunction;
}

/** A kind's implementation: probes one target; never throws for a failing one. */
export interface ProbeRunner<R extends ProbeRequest = ProbeRequest> {
  probe(request: R, options: { readonly abortSignal?: AbortSignal }): Promise<ProbeOutcome>;
  /** Lets go of what it keeps between probes (kept-alive connections). */
  close?(): void;
}

export interface ProbeKind<
  R extends ProbeRequest = ProbeRequest,
  S extends ProbeSettings = ProbeSettings,
> {
  /** The `kind` its requests carry. */
  readonly kind: string;
  /** Its name for people, e.g. "HTTP and HTTPS". */
  readonly title: string;
  /** The URL schemes it takes, lower case without the colon (`["https", "http"]`). */
  readonly schemes: readonly string[];
  /** How its URLs read in the message for a URL no kind takes (`https, http`; `tcp://host:port`). */
  readonly urlForms: readonly string[];
  /** What its URL does, for the `url` field's help text ("tcp://host:port to check..."). */
  readonly urlHelp: string;
  /** Its probes, named in "applies to ... probes only" (`http and https`; `tcp://`). */
  readonly label: string;
  /** Why a URL of one of its schemes is not one it can probe; undefined when it can. */
  checkUrl(url: URL): string | undefined;
  /**
   * The probe fields that apply to it besides the common ones (url, timeoutSeconds,
   * maxLatencyMs), each with its rule, default and help text. A field given to a probe of
   * another kind is refused. Two kinds that share a field share its declaration.
   */
  readonly fields: Readonly<Record<string, z.ZodType>>;
  /** Rules across its fields, on the probe as the file has it; every problem is reported. */
  check?(probe: RawProbe, report: ReportProblem): void;
  /** The files its settings name (a CA file), which a package carries beside the configuration. */
  files?(settings: S): readonly string[];
  /** Builds a target's request from its parsed settings (secrets resolved, files read). */
  request(settings: S, url: URL, context: RequestContext): Promise<BuiltRequest<R>>;
  /** Loads its implementation (dynamic import), on the first probe of its kind. */
  load(): Promise<(options: RunnerOptions) => ProbeRunner<R>>;
  /**
   * The module (URL) with its stand-in server for tests and the sandbox, exporting
   * `startStandIn(): Promise<ProbeStandIn>`. Named, not imported, so the Function App never loads it.
   */
  readonly standIn?: string;
}

/** A loopback server a kind's probes can be pointed at: one URL that is up, one that hangs. */
export interface ProbeStandIn {
  /** A target that answers as a healthy one does. */
  readonly upUrl: string;
  /** A target that is reached and never answers (or never completes connecting). */
  readonly hangUrl: string;
  close(): Promise<void>;
}

/** Every probe kind Tandem knows; a URL's scheme names one. */
export type ProbeKindRegistry = readonly ProbeKind[];
