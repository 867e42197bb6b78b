// The telemetry scope of the work in progress (operation and incident), carried across awaits by
// AsyncLocalStorage, so that a store or ARM call deep inside a tick is recorded with the tick's
// operation id and the incident it serves without every call passing them along.
import { AsyncLocalStorage } from "node:async_hooks";
import type { TelemetryScope } from "../../ports/telemetry.js";

export class Scopes {
  readonly #storage = new AsyncLocalStorage<TelemetryScope>();

  within<T>(scope: TelemetryScope, fn: () => T): T {
    return this.#storage.run({ ...this.current(), ...defined(scope) }, fn);
  }

  current(): TelemetryScope {
    return this.#storage.getStore() ?? {};
  }
}

function defined(scope: TelemetryScope): TelemetryScope {
  return {
    ...(scope.operation === undefined ? {} : { operation: scope.operation }),
    ...(scope.incident === undefined ? {} : { incident: scope.incident }),
  };
}
