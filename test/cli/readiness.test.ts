// `tandem readiness [GROUP]`: each check with its evidence and fix, from GET /api/status; exit 1
// when a group shown is not ready (a pipeline gates on it), 0 when all shown are ready.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EXIT, run } from "../../src/cli/main.js";

const check = (verdict: string, evidence: string, fix?: string) => ({
  check: "capacity",
  region: "northeurope",
  verdict,
  evidence,
  ...(fix ? { fix } : {}),
});

const STATUS = {
  groups: [
    {
      name: "shop",
      readiness: {
        verdict: "ready",
        line: "ready",
        ageSeconds: 12,
        primary: "westeurope",
        checks: [check("ready", "pool user reaches 8 of westeurope's 6")],
      },
    },
    {
      name: "catalog",
      readiness: {
        verdict: "not-ready",
        line: "not-ready: capacity (northeurope): pool user reaches 4 of westeurope's 6",
        ageSeconds: 30,
        primary: "westeurope",
        checks: [check("not-ready", "pool user reaches 4 of westeurope's 6", "Raise maxCount")],
      },
    },
    { name: "later", readiness: null },
  ],
};

function cli() {
  let out = "";
  let err = "";
  return {
    out: () => out,
    err: () => err,
    io: {
      out: (t: string) => (out += `${t}\n`),
      err: (t: string) => (err += t),
      tty: false,
      sleep: async () => {},
      // The API answers from a fixture: nothing leaves the process.
      fetch: (async () =>
        new Response(JSON.stringify(STATUS), {
          status: 200,
          headers: { "content-type": "application/json" },
        })) as typeof fetch,
    },
  };
}

describe("tandem readiness", () => {
  it("every group: each check with its evidence and fix; exit 1 since one is not ready", async () => {
    const t = cli();
    assert.equal(await run(["readiness"], {}, t.io), EXIT.failed);
    assert.match(t.out(), /^shop: ready \(checked 12 s ago, primary westeurope\)$/m);
    assert.match(
      t.out(),
      /^ {2}\[NOT\] capacity northeurope: pool user reaches 4 of westeurope's 6$/m,
    );
    assert.match(t.out(), /^ {8}fix: Raise maxCount$/m);
    assert.match(t.out(), /^later: no readiness checks yet/m);
  });

  it("one ready group: exit 0; --json gives the readiness as the API has it", async () => {
    const t = cli();
    assert.equal(await run(["readiness", "shop", "--json"], {}, t.io), EXIT.ok);
    assert.deepEqual(JSON.parse(t.out()), [
      { group: "shop", readiness: STATUS.groups[0]!.readiness },
    ]);
  });

  it("an unknown group is bad usage, naming the groups there are", async () => {
    const t = cli();
    assert.equal(await run(["readiness", "nope"], {}, t.io), EXIT.usage);
    assert.match(t.err(), /no group nope \(groups: shop, catalog, later\)/);
  });
});
