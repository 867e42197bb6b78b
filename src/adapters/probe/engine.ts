// The probe engine: the Prober that checks HTTP(S) and TCP targets. Never throws for a target:
// anything unexpected becomes a failed outcome of kind `error`.
import type http from "node:http";
import type { LookupFunction } from "node:net";
import type { ProbeOutcome } from "../../core/observation.js";
import type { ProbeRequest, Prober } from "../../ports/prober.js";
import { failure } from "./classify.js";
import { probeHttp } from "./http-probe.js";
import { probeTcp } from "./tcp-probe.js";

export interface ProbeEngineOptions {
  /** Name resolution; tests inject one so that no real name is ever resolved. */
  readonly lookup?: LookupFunction;
}

export class ProbeEngine implements Prober {
  readonly #lookup: LookupFunction | undefined;
  readonly #agents = new Map<string, http.Agent>();

  constructor(options: ProbeEngineOptions = {}) {
    this.#lookup = options.lookup;
  }

  async probe(
    request: ProbeRequest,
    options: { readonly abortSignal?: AbortSignal } = {},
  ): Promise<ProbeOutcome> {
    const common = {
      ...(this.#lookup ? { lookup: this.#lookup } : {}),
      ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    };
    try {
      if (request.kind === "tcp") return await probeTcp(request, common);
      return await probeHttp(request, { ...common, agents: this.#agents });
    } catch (error) {
      return {
        ok: false,
        latencyMs: 0,
        error: failure("error", `the probe failed: ${(error as Error).message}`),
      };
    }
  }

  /** Closes kept-alive connections. */
  close(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }
}
