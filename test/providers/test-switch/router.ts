// The test switch's lever: reads and writes the switch over ARM with a bare ARM client, through
// the same connection (endpoint, identity, trusted CA, retries) as the built-in levers.
import { ServiceClient } from "@azure/core-client";
import { createHttpHeaders, createPipelineRequest } from "@azure/core-rest-pipeline";
import type { ArmConnection } from "../../../src/adapters/azure/arm.js";
import { armCall, clientOptions } from "../../../src/adapters/azure/arm.js";
import type { LeverCapabilities, RoutingState } from "../../../src/core/levers.js";
import type { LeverCallOptions, TrafficRouter } from "../../../src/ports/traffic-router.js";
import type { TrafficGroup } from "../../../src/providers/types.js";
import { SWITCH_API_VERSION, SWITCH_OPERATIONS } from "./index.js";

type Group = TrafficGroup<{ kind: string; switchId: string }>;

export class SwitchRouter implements TrafficRouter {
  readonly #conn: ArmConnection;
  readonly #groups: ReadonlyMap<string, Group>;
  readonly #client: ServiceClient;

  constructor(conn: ArmConnection, groups: readonly Group[]) {
    this.#conn = conn;
    this.#groups = new Map(groups.map((g) => [g.name, g]));
    const options = clientOptions(conn);
    this.#client = new ServiceClient({
      ...options,
      baseUri: options.endpoint,
      credential: conn.credential,
      credentialScopes: ["https://management.azure.com/.default"],
    });
  }

  covers(group: string): boolean {
    return this.#groups.has(group);
  }

  capabilities(): LeverCapabilities {
    return { promote: true, enable: false };
  }

  async #call(group: Group, method: "GET" | "PATCH", body?: unknown, signal?: AbortSignal) {
    const op = method === "GET" ? SWITCH_OPERATIONS.read : SWITCH_OPERATIONS.write;
    return armCall(
      { action: op.action, resource: group.settings.switchId, doing: `${method} the switch` },
      this.#conn,
      signal,
      async (abortSignal) => {
        const response = await this.#client.sendRequest(
          createPipelineRequest({
            url: `${clientOptions(this.#conn).endpoint}${group.settings.switchId}?api-version=${SWITCH_API_VERSION}`,
            method,
            headers: createHttpHeaders({ "content-type": "application/json" }),
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
            abortSignal,
          }),
        );
        if (response.status >= 300)
          throw new Error(`the switch answered ${response.status}: ${response.bodyAsText}`);
        return JSON.parse(response.bodyAsText ?? "{}") as { properties: { target: string } };
      },
    );
  }

  #group(name: string): Group {
    const group = this.#groups.get(name);
    if (!group) throw new Error(`group ${name} has no test switch`);
    return group;
  }

  async read(group: string, options: LeverCallOptions = {}): Promise<RoutingState> {
    const g = this.#group(group);
    const target = (await this.#call(g, "GET", undefined, options.abortSignal)).properties.target;
    return {
      regions: [...g.members].map(([region, member]) => ({
        region,
        enabled: true,
        priority: member === target ? 1 : 2,
      })),
    };
  }

  async promote(group: string, region: string, options: LeverCallOptions = {}): Promise<void> {
    const g = this.#group(group);
    const member = g.members.get(region);
    if (!member) throw new Error(`no region ${region} in group ${group}`);
    const current = await this.#call(g, "GET", undefined, options.abortSignal);
    if (current.properties.target === member) return;
    await this.#call(g, "PATCH", { properties: { target: member } }, options.abortSignal);
  }

  async setEnabled(): Promise<void> {
    throw new Error("a test switch cannot take a region out of rotation");
  }
}
