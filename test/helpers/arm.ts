// An ARM emulator with one Traffic Manager profile, one Front Door origin group and two AKS
// clusters, and a connection the Azure adapters use to reach it (fast polls, quick retries).
import https from "node:https";
import type { ArmConnection } from "../../src/adapters/azure/arm.js";
import type { AksService } from "../../src/providers/aks/emulator.js";
import type { FrontDoorService } from "../../src/providers/front-door/emulator.js";
import type { TrafficManagerService } from "../../src/providers/traffic-manager/emulator.js";
import type { EmulatorSetup } from "../../src/sandbox/arm-emulator.js";
import { ArmEmulator, SANDBOX_TOKEN } from "../../src/sandbox/arm-emulator.js";
import { sandboxCredential } from "../../src/sandbox/credential.js";

export const SUBSCRIPTION = "00000000-0000-0000-0000-0000000000aa";
export const RG = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-tandem-test`;
export const TM_PROFILE = `${RG}/providers/Microsoft.Network/trafficManagerProfiles/tm-shop`;
export const FD_PROFILE = `${RG}/providers/Microsoft.Cdn/profiles/fd-catalog`;
export const FD_GROUP = "catalog-origins";
export const AKS_WEU = `${RG}/providers/Microsoft.ContainerService/managedClusters/aks-weu`;
export const AKS_NEU = `${RG}/providers/Microsoft.ContainerService/managedClusters/aks-neu`;
/** Region name to endpoint or origin name in the fixtures. */
export const ENDPOINTS = new Map([
  ["westeurope", "weu"],
  ["northeurope", "neu"],
]);

export interface ArmFixture {
  readonly emulator: ArmEmulator;
  /** The emulated services, to set up and read without going through ARM. */
  readonly tm: TrafficManagerService;
  readonly fd: FrontDoorService;
  readonly aks: AksService;
  readonly conn: ArmConnection;
  /** Requests that changed something (anything but GET), answered 2xx. */
  writes(): number;
  stop(): Promise<void>;
}

export async function startArm(
  options: EmulatorSetup = {},
  conn: Partial<ArmConnection> = {},
): Promise<ArmFixture> {
  const emulator = new ArmEmulator({ pollSeconds: 0, ...options });
  await emulator.start();
  const tm = emulator.service<TrafficManagerService>("traffic-manager");
  const fd = emulator.service<FrontDoorService>("front-door");
  const aks = emulator.service<AksService>("aks");
  tm.addProfile(TM_PROFILE, [
    { name: "weu", target: "weu.example.test", priority: 1 },
    { name: "neu", target: "neu.example.test", priority: 2 },
    { name: "spare", target: "spare.example.test", priority: 999, enabled: false },
  ]);
  fd.addOriginGroup(FD_PROFILE, FD_GROUP, [
    { name: "weu", hostName: "weu.example.test", priority: 1 },
    { name: "neu", hostName: "neu.example.test", priority: 2 },
  ]);
  aks.addCluster({
    id: AKS_WEU,
    location: "westeurope",
    running: true,
    pools: [{ name: "system", count: 2, mode: "System" }],
  });
  aks.addCluster({
    id: AKS_NEU,
    location: "northeurope",
    running: false,
    pools: [
      { name: "system", count: 2, mode: "System" },
      { name: "user", count: 3 },
    ],
  });
  return {
    emulator,
    tm,
    fd,
    aks,
    conn: {
      credential: sandboxCredential,
      endpoint: emulator.url,
      ca: emulator.ca,
      pollIntervalMs: 20,
      lroPatienceMs: 5000,
      timeoutMs: 10_000,
      retry: { maxRetries: 3, retryDelayInMs: 5, maxRetryDelayInMs: 20 },
      ...conn,
    },
    writes: () =>
      emulator.requests.filter((r) => r.method !== "GET" && r.status >= 200 && r.status < 300)
        .length,
    stop: () => emulator.stop(),
  };
}

/**
 * One request to the emulator as any ARM client would send it (another actor than Tandem, or an
 * official example replayed): the sandbox token, JSON, the emulator's CA trusted.
 */
export function armRequest(
  arm: ArmFixture,
  method: string,
  path: string,
  apiVersion: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const url = new URL(`${arm.emulator.url}${path}?api-version=${apiVersion}`);
  return new Promise((ok, fail) => {
    const req = https.request(
      url,
      {
        method,
        ca: arm.emulator.ca,
        headers: {
          authorization: `Bearer ${SANDBOX_TOKEN}`,
          ...headers,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          ok({
            status: res.statusCode ?? 0,
            body: text ? (JSON.parse(text) as unknown) : undefined,
          });
        });
      },
    );
    req.on("error", fail);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Every `deploymentStatus` the emulator gave in its answers about Front Door origins. */
export const originDeploymentStatuses = (arm: ArmFixture): (string | undefined)[] =>
  arm.emulator.requests
    .filter((r) => r.path.includes("/origins"))
    .flatMap((r) => {
      const body = r.reply.body as {
        properties?: { deploymentStatus?: string };
        value?: { properties: { deploymentStatus?: string } }[];
      };
      return [body.properties, ...(body.value ?? []).map((o) => o.properties)]
        .filter((p) => p !== undefined)
        .map((p) => p.deploymentStatus);
    });

/**
 * Runs `body` against an emulator started with `options` (or with the options and the adapters'
 * connection, as a pair), stopped after it.
 */
export async function withArm(
  options: EmulatorSetup | readonly [EmulatorSetup, Partial<ArmConnection>],
  body: (arm: ArmFixture) => Promise<void>,
): Promise<void> {
  const arm = await (Array.isArray(options)
    ? startArm(options[0], options[1])
    : startArm(options as EmulatorSetup));
  try {
    await body(arm);
  } finally {
    await arm.stop();
  }
}
