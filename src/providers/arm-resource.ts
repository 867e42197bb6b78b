// How a lever kind declares the Azure Resource Manager calls it makes: by the resource type each
// one acts on. ARM spells a call's path and its RBAC action from that type, so they are spelled
// here once: the path is the type's segments, each followed by its `{name}`, under a resource
// group (or a subscription), as azure-rest-api-specs spells the operations' paths; the action is
// `{type}/read`, `{type}/write` or `{type}/{verb}/action`, the verb a POST's last path segment
// (the `{Company}.{ProviderName}/{resourceType}/{action}` format of "Understand Azure role
// definitions", learn.microsoft.com). docs/permissions.md and the roles show the results in full.
import type { ArmOperation } from "./types.js";

const UNDER = {
  resourceGroup: "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers",
  subscription: "/subscriptions/{subscriptionId}/providers",
} as const;

/** A resource type: the path of one resource of it, and the calls a kind makes on it. */
interface ArmResourceType<P extends string = string> {
  /** The type as its RBAC actions spell it, e.g. `Microsoft.Cdn/profiles/originGroups`. */
  readonly type: string;
  /** One resource's path, with `{name}` for each part, from the subscription down. */
  readonly path: P;
  /**
   * A type nested in this one, `segment` in its path; `action` is how its RBAC actions spell the
   * segment where that differs (Traffic Manager's `AzureEndpoints` is `azureEndpoints` there).
   */
  child<S extends string, N extends string>(
    segment: S,
    name: N,
    action?: string,
  ): ArmResourceType<`${P}/${S}/${N}`>;
  /** GET of one resource. */
  read(why: string): ArmOperation;
  /** GET of every resource of the type under its parent (the same action as reading one). */
  list(why: string): ArmOperation;
  /** A PUT or PATCH of one resource. */
  write(method: "PUT" | "PATCH", why: string): ArmOperation;
  /** A POST of `verb` on one resource. */
  action(verb: string, why: string): ArmOperation;
}

function resourceType<P extends string>(type: string, path: P): ArmResourceType<P> {
  const call = (verb: string, method: ArmOperation["method"], at: string, why: string) => ({
    action: `${type}/${verb}`,
    method,
    path: at,
    why,
  });
  return {
    type,
    path,
    child: <S extends string, N extends string>(segment: S, name: N, action: string = segment) =>
      resourceType(`${type}/${action}`, `${path}/${segment}/${name}` as const),
    read: (why) => call("read", "GET", path, why),
    list: (why) => call("read", "GET", path.slice(0, path.lastIndexOf("/")), why),
    write: (method, why) => call("write", method, path, why),
    action: (verb, why) => call(`${verb}/action`, "POST", `${path}/${verb}`, why),
  };
}

/**
 * A top-level resource type (`Microsoft.Sql/servers`) named by `name` (`{serverName}`), in a
 * resource group unless said otherwise.
 */
export function armResource<T extends string, N extends string, U extends keyof typeof UNDER>(
  type: T,
  name: N,
  under: U = "resourceGroup" as U,
): ArmResourceType<`${(typeof UNDER)[U]}/${T}/${N}`> {
  return resourceType(type, `${UNDER[under]}/${type}/${name}` as const);
}
