// A rehearsal of `azd up` and of upgrades, running the real hooks (infra/hooks/*.sh) and the real
// `tandem deploy ...` commands, with everything outside this machine stood in for:
//   - az, azd and npm are bash stand-ins first on PATH (test/deploy/stand-ins/), recording every
//     call and keeping what Azure would keep (the app registration, app role assignments, Key
//     Vault secrets, the package each Function App was given) in files;
//   - each observer's Function App is a loopback HTTP server that answers as a Flex Consumption
//     app with no code does, as far as the Functions host's code says (no Microsoft page says
//     what an empty Flex Consumption app answers): 503 "Function host is not running." while the
//     host starts (HostAvailabilityCheckMiddleware.cs in Azure/azure-functions-host), then 404
//     for /api/status (a host with no function has no route but its home page,
//     HomepageMiddleware.cs), until the az stand-in uploads a package to it; then it answers
//     GET /api/status with every deployed observer live on its package's version;
//   - provisioning itself (Bicep) is not run: the test sets the outputs infra/main.bicep gives.
// The test plays azd: it runs each hook with the azd environment's values, and takes into that
// environment what a hook sets with `azd env set`, as azd reloads it after each hook.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import type { StatusView } from "../../src/app/api/types.js";
import { parseConfig } from "../../src/config/index.js";
import { appRoles } from "../../src/deploy/app-roles.js";
import { deploymentParameters, parametersFile } from "../../src/deploy/parameters.js";
import { ROOT } from "../helpers/paths.js";

/** The ids the az stand-in gives out (test/deploy/stand-ins/az). */
const STAND_IN_IDS = {
  appId: "11111111-aaaa-4aaa-8aaa-111111111111",
  user: "44444444-aaaa-4aaa-8aaa-444444444444",
  token: "rehearsal-token",
} as const;
const SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
const IDENTITY_PRINCIPAL = "55555555-aaaa-4aaa-8aaa-555555555555";
const SIGN_IN_PRINCIPAL = "88888888-aaaa-4aaa-8aaa-888888888888";
/** The tenant the az stand-in is signed in to (`az account show`). */
const TENANT = "77777777-aaaa-4aaa-8aaa-777777777777";
const REGIONS = ["westeurope", "northeurope", "francecentral"];
const SECRETS = {
  TEAMS_WEBHOOK_URL: "https://teams.example/hook",
  PAGERDUTY_ROUTING_KEY: "R0UT1NG",
};

interface HookRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

interface App {
  readonly region: string;
  readonly name: string;
  readonly url: string;
  /** `GET /api/status` requests, in order, with the answer's status. */
  readonly asked: { at: number; status: number }[];
}

class Rig {
  readonly apps: App[] = [];
  /** The azd environment's values (what `azd env set` and provisioning put there). */
  readonly azd: Record<string, string> = {};
  /** Who holds the lease, as the stand-ins' status says; by default the first region deployed. */
  leaseHolder: string | undefined;
  #closers: (() => Promise<void>)[] = [];
  #clock = 0;

  constructor(
    readonly root: string,
    readonly state: string,
    readonly bin: string,
    readonly config: Record<string, unknown>,
  ) {}

  static async make(regions: readonly string[], withSecrets: boolean): Promise<Rig> {
    const tmp = await mkdtemp(join(tmpdir(), "tandem-rehearsal-"));
    const root = join(tmp, "project");
    const state = join(tmp, "state");
    const bin = join(tmp, "bin");
    await mkdir(join(root, "infra"), { recursive: true });
    await mkdir(join(state, "faults"), { recursive: true });
    // The real hooks and the built tandem command, in a project of the rehearsal's own.
    await symlink(join(ROOT, "infra/hooks"), join(root, "infra/hooks"));
    await symlink(join(ROOT, "dist"), join(root, "dist"));
    await cp(join(ROOT, "test/deploy/stand-ins"), bin, { recursive: true });
    const config = JSON.parse(
      readFileSync(join(ROOT, "examples/active-passive.tandem.config.json"), "utf8"),
    ) as Record<string, unknown>;
    config["observers"] = regions.map((region) => ({ region }));
    if (!withSecrets) delete config["alerts"];
    await writeFile(join(root, "tandem.config.json"), JSON.stringify(config, null, 2));
    const rig = new Rig(root, state, bin, config);
    await rig.setVersion("1.0.0");
    for (const region of regions) await rig.#standIn(region);
    Object.assign(rig.azd, {
      AZURE_ENV_NAME: "rehearsal",
      AZURE_SUBSCRIPTION_ID: SUBSCRIPTION,
      AZURE_PRINCIPAL_ID: STAND_IN_IDS.user,
      AZURE_LOCATION: "swedencentral",
    });
    after(() => rig.close(tmp));
    return rig;
  }

  async setVersion(version: string): Promise<void> {
    await writeFile(join(this.root, "package.json"), JSON.stringify({ name: "tandem", version }));
  }

  /** One observer's Function App: empty until a package is uploaded to it. */
  async #standIn(region: string): Promise<void> {
    const name = `func-tandem-${region}-rehearsal`;
    const asked: App["asked"] = [];
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const answer = (status: number, body?: unknown, type = "application/json") => {
        if (req.url === "/api/status") asked.push({ at: this.#clock++, status });
        res.writeHead(status, body === undefined ? {} : { "content-type": type });
        res.end(
          body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
        );
      };
      const own = this.#deployedVersion(name);
      if (req.url === "/")
        return answer(200, "<html>Your Functions 4.0 app is up and running</html>", "text/html");
      if (own === undefined) {
        // The Functions host answers 503 until it is ready (HostAvailabilityCheckMiddleware.cs),
        // then 404 (no function, so no route): the first ask of an empty app finds it starting.
        if (req.url === "/api/status" && !asked.some((a) => a.status === 503))
          return answer(503, "Function host is not running.", "text/plain");
        return answer(404);
      }
      if (req.headers.authorization !== `Bearer ${STAND_IN_IDS.token}`)
        return answer(401, {
          error: { code: "Unauthorized", message: "a bearer token is needed" },
        });
      if (req.method === "GET" && req.url === "/api/status")
        return answer(200, this.#status(region));
      return answer(404, { error: { code: "NotFound", message: req.url } });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    this.apps.push({ region, name, url, asked });
    this.#closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  }

  #deployedVersion(name: string): string | undefined {
    try {
      return readFileSync(join(this.state, "deployed", name), "utf8").trim();
    } catch {
      return undefined;
    }
  }

  /** What GET /api/status answers: every deployed observer ticking, on its package's version. */
  #status(answeredBy: string): StatusView {
    const deployed = this.apps.filter((a) => this.#deployedVersion(a.name) !== undefined);
    const holder = this.leaseHolder ?? deployed[0]!.region;
    const now = new Date().toISOString();
    return {
      generatedAt: now,
      answeredBy,
      version: this.#deployedVersion(this.apps.find((a) => a.region === answeredBy)!.name)!,
      lease: {
        holder: `${holder}#1`,
        observer: holder,
        epoch: 1,
        heldByThisProcess: holder === answeredBy,
      },
      observers: deployed.map((a) => ({
        region: a.region,
        liveness: "live",
        unchangedForSeconds: 0,
        lastTickAt: now,
        version: this.#deployedVersion(a.name)!,
        tickMs: 12,
        impaired: false,
      })),
      groups: [],
      alerts: [],
    };
  }

  /** Runs one hook as azd would: the azd environment's values in its environment. */
  async hook(file: string, extra: Record<string, string> = {}): Promise<HookRun> {
    const env = {
      PATH: `${this.bin}:${dirname(process.execPath)}:/usr/bin:/bin`,
      HOME: this.state,
      REHEARSAL_STATE: this.state,
      TANDEM_ROLE_WAIT_INTERVAL: "0",
      TANDEM_ROLE_WAIT_SECONDS: "60",
      ...this.azd,
      ...extra,
    };
    const child = spawn("bash", [join(this.root, "infra/hooks", file)], { cwd: this.root, env });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? -1)));
    // azd reads its environment again after a hook: what the hook set is there for the next.
    const set = await readFile(join(this.state, "azd.env"), "utf8").catch(() => "");
    for (const line of set.split("\n").filter(Boolean)) {
      const at = line.indexOf("=");
      this.azd[line.slice(0, at)] = line.slice(at + 1);
    }
    return { code, out, err };
  }

  /** What `azd provision` leaves in the environment: infra/main.bicep's outputs. */
  provision(): void {
    Object.assign(this.azd, {
      AZURE_RESOURCE_GROUP: "rg-rehearsal",
      TANDEM_KEY_VAULT: "kv-tandem-rehearsal",
      TANDEM_IDENTITY_CLIENT_ID: "66666666-aaaa-4aaa-8aaa-666666666666",
      TANDEM_SIGN_IN_PRINCIPAL_ID: SIGN_IN_PRINCIPAL,
      TANDEM_APPS: JSON.stringify(
        this.apps.map((a) => ({
          region: a.region,
          name: a.name,
          url: a.url,
          principalId: IDENTITY_PRINCIPAL,
        })),
      ),
    });
  }

  /** `azd up` after the first preprovision: preprovision, provision, postprovision, predeploy. */
  async up(): Promise<HookRun[]> {
    const runs: HookRun[] = [];
    for (const hook of ["preprovision.sh", "provision", "postprovision.sh", "deploy.sh"]) {
      if (hook === "provision") {
        this.provision();
        continue;
      }
      const run = await this.hook(hook);
      runs.push(run);
      if (run.code !== 0) break;
    }
    return runs;
  }

  async calls(): Promise<string[][]> {
    const log = await readFile(join(this.state, "calls.log"), "utf8").catch(() => "");
    return log
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split("\t"));
  }

  /** The regions in the order their apps took a package. */
  async uploads(): Promise<string[]> {
    const uploads = await readFile(join(this.state, "uploads"), "utf8").catch(() => "");
    return uploads
      .split("\n")
      .filter(Boolean)
      .map((name) => this.apps.find((a) => a.name === name)!.region);
  }

  async secret(name: string): Promise<string | undefined> {
    return readFile(join(this.state, "vaults/kv-tandem-rehearsal", name), "utf8").catch(
      () => undefined,
    );
  }

  async assignments(): Promise<string[]> {
    const text = await readFile(join(this.state, "assignments"), "utf8").catch(() => "");
    return text.split("\n").filter(Boolean).sort();
  }

  async arm(fault: string, times: number): Promise<void> {
    await writeFile(join(this.state, "faults", fault), String(times));
  }

  version(region: string): string | undefined {
    return this.#deployedVersion(this.apps.find((a) => a.region === region)!.name);
  }

  async close(tmp: string): Promise<void> {
    await Promise.all(this.#closers.map((c) => c()));
    await rm(tmp, { recursive: true, force: true });
  }
}

const show = (runs: HookRun | HookRun[]) =>
  [runs]
    .flat()
    .map((r) => `exit ${r.code}\n${r.out}\n${r.err}`)
    .join("\n---\n");

/** The roles the observers' identity must hold: the app roles for applications alone (observer). */
function applicationRoles(rig: Rig): string[] {
  return appRoles(parseConfig(rig.config))
    .filter((r) => r.allowedMemberTypes.length === 1 && r.allowedMemberTypes[0] === "Application")
    .map((r) => `${IDENTITY_PRINCIPAL} ${r.id}`);
}

interface Scenario {
  readonly regions: number;
  readonly secrets: "none" | "given" | "given late";
  /**
   * Start as docs/deploy.md says for the first time, with `azd hooks run preprovision` (which
   * writes the parameters and stops); otherwise the parameters file is there already, as after
   * that step (written here, in this process, to keep the rehearsal quick).
   */
  readonly firstRunStep?: boolean;
  /** Upgrade by a whole `azd up` (every hook again) rather than `azd deploy` (predeploy only). */
  readonly upgradeByUp?: boolean;
}

const SCENARIOS: Scenario[] = [
  { regions: 1, secrets: "none" },
  { regions: 1, secrets: "given" },
  { regions: 2, secrets: "none", firstRunStep: true },
  { regions: 2, secrets: "given", upgradeByUp: true },
  { regions: 3, secrets: "none" },
  { regions: 3, secrets: "given late", firstRunStep: true },
];

describe(
  "deploy rehearsal: the real hooks against stand-ins for Azure",
  { concurrency: true },
  () => {
    for (const s of SCENARIOS)
      it(`${s.regions} region(s), secrets ${s.secrets}: the first azd up from nothing completes, and an upgrade goes region by region with the lease holder last`, async () => {
        const regions = REGIONS.slice(0, s.regions);
        const rig = await Rig.make(regions, s.secrets !== "none");
        const secretValues = s.secrets === "none" ? {} : SECRETS;
        if (s.secrets === "given") Object.assign(rig.azd, secretValues);
        if (s.secrets === "given" && s.regions === 1) {
          // One given as `azd env set-secret` leaves it: a reference to a Key Vault secret of yours.
          await mkdir(join(rig.state, "vaults/kv-yours"), { recursive: true });
          await writeFile(join(rig.state, "vaults/kv-yours/pd-key"), SECRETS.PAGERDUTY_ROUTING_KEY);
          rig.azd["PAGERDUTY_ROUTING_KEY"] = `akvs://${SUBSCRIPTION}/kv-yours/pd-key`;
        }

        const parametersPath = join(rig.root, "infra/main.parameters.json");
        if (s.firstRunStep) {
          // docs/deploy.md: the first time, `azd hooks run preprovision` writes the parameters
          // and stops, so that `azd up` reads them (and the app registration's id) before its
          // hooks run.
          const first = await rig.hook("preprovision.sh");
          assert.equal(first.code, 1, show(first));
          assert.match(first.err, /was missing: it is written now; run the command again/);
          assert.equal(rig.azd["TANDEM_API_CLIENT_ID"], STAND_IN_IDS.appId);
          if (s.secrets === "given late")
            for (const name of Object.keys(SECRETS))
              assert.match(first.err, new RegExp(`azd env set ${name} '<value>'`));
        } else {
          const derived = deploymentParameters(parseConfig(rig.config), {
            subscriptionId: SUBSCRIPTION,
          });
          await writeFile(parametersPath, `${JSON.stringify(parametersFile(derived), null, 2)}\n`);
        }
        const parameters = JSON.parse(await readFile(parametersPath, "utf8")) as {
          parameters: Record<string, { value: unknown }>;
        };
        assert.equal((parameters.parameters["observers"]!.value as unknown[]).length, s.regions);

        if (s.secrets === "given late") {
          // Nothing is made while a secret has no value: the hook names each and how to give it.
          const stopped = await rig.up();
          assert.equal(stopped.length, 1, show(stopped));
          assert.equal(stopped[0]!.code, 1);
          for (const name of Object.keys(SECRETS))
            assert.match(stopped[0]!.err, new RegExp(`azd env set ${name} '<value>'`));
          assert.deepEqual(await rig.uploads(), []);
          assert.equal(rig.azd["TANDEM_APPS"], undefined, "nothing provisioned");
          Object.assign(rig.azd, secretValues);
          // The deployer's new Key Vault role is not in effect at once: the hook waits it out.
          await rig.arm("forbidden-keyvault", 2);
        }
        // The first upload to a new app can be refused while its storage role is new.
        await rig.arm(`upload-${rig.apps[0]!.name}`, 1);

        const up = await rig.up();
        assert.deepEqual(
          up.map((r) => r.code),
          [0, 0, 0],
          show(up),
        );
        // First deployment: no app had code, so the configuration's order; each region was
        // seen live by the first API that answered: the others had no code yet (503 while their
        // host started, 404 after), then its own.
        assert.deepEqual(await rig.uploads(), regions);
        for (const region of regions) assert.equal(rig.version(region), "1.0.0");
        const firstApp = rig.apps[0]!;
        for (const other of rig.apps.slice(1))
          assert.ok(
            other.asked.some(
              (a) =>
                (a.status === 404 || a.status === 503) &&
                a.at < firstApp.asked.find((x) => x.status === 200)!.at,
            ),
            `${other.region} was not asked (and found empty) before ${firstApp.region} answered`,
          );
        assert.match(
          up[2]!.out,
          new RegExp(`deployed 1\\.0\\.0 to ${s.regions} region\\(s\\): ${regions.join(" ")}`),
        );
        assert.match(
          up[2]!.err,
          /uploading the package to \S+: a permission given moments ago is not in effect yet/,
        );

        // Secrets went from the azd environment into Key Vault, never into a template.
        for (const [setting, value] of Object.entries(secretValues))
          assert.equal(await rig.secret(setting.toLowerCase().replace(/_/g, "-")), value);
        // Only assigned principals get tokens; the observers' identity holds the roles for
        // applications, the deployer the reader role.
        const patches = await readFile(join(rig.state, "patches"), "utf8");
        assert.match(patches, /servicePrincipals\/\S+ \{"appRoleAssignmentRequired":true\}/);
        const reader = appRoles(parseConfig(rig.config)).find((r) =>
          r.allowedMemberTypes.includes("User"),
        )!;
        assert.deepEqual(
          await rig.assignments(),
          [...applicationRoles(rig), `${STAND_IN_IDS.user} ${reader.id}`].sort(),
        );
        // The browser sign-in redeems with the sign-in identity: the app registration trusts it.
        assert.equal(
          await readFile(join(rig.state, "federated-credentials"), "utf8"),
          `tandem-sign-in ${SIGN_IN_PRINCIPAL} https://login.microsoftonline.com/${TENANT}/v2.0 api://AzureADTokenExchange\n`,
        );
        const credentialWrites = async () =>
          (await rig.calls()).filter(
            (c) => c[0] === "az ad" && c[2] === "federated-credential" && c[3] !== "list",
          ).length;
        assert.equal(await credentialWrites(), 1);
        const sets = (await rig.calls()).filter(
          (c) => c[0] === "az keyvault" && c[2] === "set",
        ).length;
        assert.equal(sets, Object.keys(secretValues).length);

        // An upgrade: the lease holder (the second region, where there is one) goes last.
        await rig.setVersion("1.1.0");
        rig.leaseHolder = regions[1] ?? regions[0]!;
        const before = (await rig.uploads()).length;
        const upgrade = s.upgradeByUp ? await rig.up() : [await rig.hook("deploy.sh")];
        assert.ok(
          upgrade.every((r) => r.code === 0),
          show(upgrade),
        );
        const expected = [...regions.filter((r) => r !== rig.leaseHolder), rig.leaseHolder];
        assert.deepEqual((await rig.uploads()).slice(before), expected);
        for (const region of regions) assert.equal(rig.version(region), "1.1.0");
        if (s.upgradeByUp) {
          // Running every hook again changes nothing that is already right.
          const again = (await rig.calls()).filter(
            (c) => c[0] === "az keyvault" && c[2] === "set",
          ).length;
          assert.equal(again, sets, "a secret was written again though its value had not changed");
          assert.equal((await rig.assignments()).length, applicationRoles(rig).length + 1);
          assert.equal(await credentialWrites(), 1, "the federated credential was written again");
        }
      });
  },
);
