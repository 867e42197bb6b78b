// What the lever kinds' emulated services share beyond the ARM emulator's kit: their resources
// held by id, case aside (ARM treats a request's path without case: the resource provider
// contract, Azure/azure-resource-manager-rpc `resource-api-reference.md`, as quoted in
// Azure/azure-rest-api-specs#8353), and their routes declared from the kind's own operations, so
// that each call needs the RBAC action the lever names for it. Only emulator code imports this
// (eslint.config.js), never the Function App.
import type { EmulatedRoute, Method, Reply, RouteCall, RouteMethod } from "../sandbox/arm/kit.js";
import { lower } from "../sandbox/arm/kit.js";
import type { ArmOperation } from "./types.js";

/** The last segment of a resource id: the resource's name. */
export const nameOf = (id: string): string => id.split("/").at(-1)!;

/**
 * An emulated service's resources of one type, by lower-cased id (what the kit's `resourceAt`
 * and `childAt` look them up by, answering ARM's 404 for a missing one).
 */
export class Resources<R> extends Map<string, R> {
  readonly #what: string;

  /** `what` names the type in errors: "cluster", "Cosmos DB account". */
  constructor(what: string) {
    super();
    this.#what = what;
  }

  /** Holds `resource` as the one at `id`. */
  put(id: string, resource: R): R {
    this.set(lower(id), resource);
    return resource;
  }

  /** The resource at `id`, for tests and the sandbox: an error that names it when there is none. */
  named(id: string): R {
    const resource = this.get(lower(id));
    if (resource === undefined) throw new Error(`no emulated ${this.#what} ${id}`);
    return resource;
  }
}

/** A route: its pattern, matched against the lower-cased path, and what each method does. */
export const route = (
  pattern: string,
  methods: Partial<Record<Method, RouteMethod>>,
): EmulatedRoute => ({ pattern: new RegExp(pattern), methods });

/** The path up to the end of the route's first capture: the resource a call acts on. */
export const parentPath = (call: RouteCall): string => call.path.slice(0, call.match[1]!.length);

/**
 * A method that needs `op`'s action (or the action of the operation `op` picks for the call),
 * checked on the call's path, or on what `resource` says.
 */
export function serve(
  op: ArmOperation | ((call: RouteCall) => ArmOperation),
  handle: (call: RouteCall) => Reply,
  resource?: (call: RouteCall) => string,
): RouteMethod {
  const action = typeof op === "function" ? (call: RouteCall) => op(call).action : op.action;
  return resource ? { action, resource, handle } : { action, handle };
}

/** A read that answers 200 with `body`. */
export const reads = (op: ArmOperation, body: (call: RouteCall) => unknown): RouteMethod =>
  serve(op, (call) => ({ status: 200, body: body(call) }));
