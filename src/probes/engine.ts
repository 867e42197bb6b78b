// The probe engine: the Prober that runs each request through the kind it names, loading a kind's
// implementation on its first probe. Never throws for a target: anything unexpected (a kind it
// does not know, one that fails to load or throws) becomes a failed outcome of kind `error`.
import type { LookupFunction } from "node:net";
import type { ProbeOutcome } from "../core/observation.js";
import type { ProbeRequest, Prober } from "../ports/prober.js";
import { failure } from "./classify.js";
import { PROBE_KINDS } from "./registry.js";
import type { ProbeKindRegistry, ProbeRunner } from "./types.js";

interface ProbeEngineOptions {
  /** Name resolution; tests inject one so that no real name is ever resolved. */
  readonly lookup?: LookupFunction;
  /** The kinds it runs; PROBE_KINDS (the built-in ones) by default. */
  readonly kinds?: ProbeKindRegistry;
}

const failed = (message: string): ProbeOutcome => ({
  ok: false,
  latencyMs: 0,
  error: failure("error", message),
});

export class ProbeEngine implements Prober {
  readonly #options: ProbeEngineOptions;
  readonly #kinds: ProbeKindRegistry;
  /** Each kind's runner, loading or loaded; a failed load is forgotten and tried again. */
  readonly #runners = new Map<string, Promise<ProbeRunner>>();
  readonly #loaded = new Set<ProbeRunner>();

  constructor(options: ProbeEngineOptions = {}) {
    this.#options = options;
    this.#kinds = options.kinds ?? PROBE_KINDS;
  }

  async probe(
    request: ProbeRequest,
    options: { readonly abortSignal?: AbortSignal } = {},
  ): Promise<ProbeOutcome> {
    try {
      const runner = this.#runner(request.kind);
      if (!runner) return failed(`no probe kind "${request.kind}" is known`);
      return await (await runner).probe(request, options);
    } catch (error) {
      return failed(`the probe failed: ${(error as Error).message}`);
    }
  }

  #runner(kind: string): Promise<ProbeRunner> | undefined {
    let runner = this.#runners.get(kind);
    if (runner) return runner;
    const found = this.#kinds.find((k) => k.kind === kind);
    if (!found) return undefined;
    const lookup = this.#options.lookup;
    runner = found.load().then((create) => {
      const made = create(lookup ? { lookup } : {});
      this.#loaded.add(made);
      return made;
    });
    runner.catch(() => this.#runners.delete(kind));
    this.#runners.set(kind, runner);
    return runner;
  }

  /** Closes kept-alive connections. */
  close(): void {
    for (const runner of this.#loaded) runner.close?.();
  }
}
