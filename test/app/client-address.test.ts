// The audit's `from`: the client address as the platform states it: App Service's `client-ip`,
// which its front end sets and overwrites, else the last X-Forwarded-For entry, kept whole; the
// chain kept beside it, cut at its start when long, never at its end.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clientAddress } from "../../src/app/api/client-address.js";
import { startHttpHost } from "../../src/sandbox/http-host.js";

const of = (value?: string) =>
  clientAddress(new Headers(value === undefined ? {} : { "x-forwarded-for": value }));

describe("client address", () => {
  const cases: { name: string; header?: string; from?: string; chain?: string }[] = [
    { name: "no header: nothing to say" },
    { name: "an empty header", header: " , " },
    { name: "one entry", header: "203.0.113.7", from: "203.0.113.7" },
    {
      name: "forged entries first: the last is the front end's",
      header: "127.0.0.1, 10.0.0.1, 203.0.113.7",
      from: "203.0.113.7",
      chain: "127.0.0.1, 10.0.0.1, 203.0.113.7",
    },
    {
      name: "an IPv6 address with its port, whole",
      header: "192.0.2.1, [2001:db8:85a3::8a2e:370:7334]:52113",
      from: "[2001:db8:85a3::8a2e:370:7334]:52113",
      chain: "192.0.2.1, [2001:db8:85a3::8a2e:370:7334]:52113",
    },
    {
      name: "an IPv4 address with its port, whole",
      header: "203.0.113.7:51234",
      from: "203.0.113.7:51234",
    },
    {
      name: "empty entries and spaces around them",
      header: "  192.0.2.1 ,, 203.0.113.7  , ",
      from: "203.0.113.7",
      chain: "192.0.2.1, 203.0.113.7",
    },
    {
      name: "control characters never reach the log",
      header: "evil\u001b[2J, 203.0.113.7",
      from: "203.0.113.7",
      chain: "evil?[2J, 203.0.113.7",
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const got = of(c.header);
      assert.deepEqual(
        got,
        c.from === undefined
          ? undefined
          : { from: c.from, ...(c.chain === undefined ? {} : { chain: c.chain }) },
      );
    });

  const stated: {
    name: string;
    clientIp: string;
    header?: string;
    from: string;
    chain?: string;
  }[] = [
    { name: "client-ip alone", clientIp: "203.0.113.7:51234", from: "203.0.113.7:51234" },
    {
      name: "client-ip over a forged last X-Forwarded-For entry",
      clientIp: "203.0.113.7",
      header: "198.51.100.1, 6.6.6.6",
      from: "203.0.113.7",
      chain: "198.51.100.1, 6.6.6.6",
    },
    {
      name: "client-ip over a forged X-Forwarded-For of one entry, which is kept beside it",
      clientIp: "203.0.113.7",
      header: "6.6.6.6",
      from: "203.0.113.7",
      chain: "6.6.6.6",
    },
    {
      name: "client-ip and X-Forwarded-For agreeing: nothing more to keep",
      clientIp: "203.0.113.7:51234",
      header: "203.0.113.7:51234",
      from: "203.0.113.7:51234",
    },
    {
      name: "an empty client-ip: the last X-Forwarded-For entry",
      clientIp: " ",
      header: "192.0.2.1, 203.0.113.7",
      from: "203.0.113.7",
      chain: "192.0.2.1, 203.0.113.7",
    },
    {
      name: "control characters in client-ip",
      clientIp: "203.0.113.7\u001b[2J",
      from: "203.0.113.7?[2J",
    },
  ];
  for (const c of stated)
    it(`as App Service states it: ${c.name}`, () => {
      const headers = new Headers({ "client-ip": c.clientIp });
      if (c.header !== undefined) headers.set("x-forwarded-for", c.header);
      assert.deepEqual(clientAddress(headers), {
        from: c.from,
        ...(c.chain === undefined ? {} : { chain: c.chain }),
      });
    });

  it("a chain of thousands of forged entries is cut at its start: the real address stays", () => {
    const forged = Array.from({ length: 2000 }, (_, i) => `10.0.${i >> 8}.${i & 255}`).join(", ");
    const got = of(`${forged}, 198.51.100.23`)!;
    assert.equal(got.from, "198.51.100.23");
    assert.ok(got.chain!.startsWith("…"));
    assert.ok(got.chain!.endsWith(", 198.51.100.23"));
    assert.equal(got.chain!.length, 301);
  });

  it("a chain of exactly 300 characters is kept whole; one more and its start goes", () => {
    const last = ", 198.51.100.23";
    const exactly = `${"1".repeat(300 - last.length - 3)}, 2${last}`;
    assert.equal(exactly.length, 300);
    assert.equal(of(exactly)!.chain, exactly);
    assert.equal(of(`9${exactly}`)!.chain, `…${exactly}`);
  });

  it("the local host states the socket's address in client-ip (overwriting the caller's) and appends it to X-Forwarded-For, as App Service's front end does", async () => {
    const seen: [string | null, string | null][] = [];
    const host = await startHttpHost({
      port: 0,
      functions: [
        {
          name: "echo",
          route: "echo",
          methods: ["GET"],
          handler: async (request) => {
            seen.push([request.headers.get("client-ip"), request.headers.get("x-forwarded-for")]);
            return { status: 204 };
          },
        },
      ],
      log: () => {},
    });
    try {
      await fetch(`${host.url}/api/echo`, {
        headers: { "x-forwarded-for": "6.6.6.6", "client-ip": "6.6.6.7" },
      });
      await fetch(`${host.url}/api/echo`);
    } finally {
      await host.close();
    }
    assert.deepEqual(seen, [
      ["127.0.0.1", "6.6.6.6, 127.0.0.1"],
      ["127.0.0.1", "127.0.0.1"],
    ]);
  });
});
