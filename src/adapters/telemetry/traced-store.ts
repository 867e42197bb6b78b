// A state store that reports every call as a dependency record (and its latency as a metric),
// over any store: Table Storage in Azure, Azurite in the sandbox, memory in tests. The records
// carry the scope the call was made in (the tick's operation, the incident).
import type { StateStore } from "../../ports/state-store.js";
import type { Telemetry } from "../../ports/telemetry.js";

const errorKind = (error: unknown): string => {
  const fields = (error ?? {}) as { kind?: unknown; statusCode?: unknown };
  if (typeof fields.statusCode === "number") return String(fields.statusCode);
  return typeof fields.kind === "string" ? fields.kind : "error";
};

/** `target` names the store in the records: the table's name. */
export function tracedStore(store: StateStore, telemetry: Telemetry, target: string): StateStore {
  return new Proxy(store, {
    get(inner, key, receiver) {
      const value: unknown = Reflect.get(inner, key, receiver);
      if (typeof value !== "function" || typeof key !== "string") return value;
      return (...args: unknown[]) => {
        const startedAt = Date.now();
        const report = (success: boolean, resultCode: string) => {
          const durationMs = Date.now() - startedAt;
          telemetry.dependency({
            kind: "state-store",
            name: key,
            target,
            resultCode,
            success,
            durationMs,
            startedAt,
          });
          // One series: each call's own time is in its dependency record.
          telemetry.metric("tandem.store.latency", durationMs);
        };
        let result: unknown;
        try {
          result = (value as (...a: unknown[]) => unknown).apply(inner, args);
        } catch (error) {
          report(false, errorKind(error));
          throw error;
        }
        if (!(result instanceof Promise)) return result;
        return result.then(
          (answer: unknown) => {
            report(true, "0");
            return answer;
          },
          (error: unknown) => {
            report(false, errorKind(error));
            throw error;
          },
        );
      };
    },
  });
}
