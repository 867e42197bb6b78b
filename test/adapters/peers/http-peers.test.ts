// Peers over HTTP: the adapter against the real route on a loopback HTTP host (the local host's
// HTTP server serving the Function App's own API definitions), and against servers that answer
// badly. Who may ask is the route's business: only a caller with the observer role, only of the
// observer the app is.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { apiFunctions } from "../../../functions/api.js";
import { HttpPeers, peerUrl } from "../../../src/adapters/peers/http-peers.js";
import { MemoryStateStore } from "../../../src/adapters/store/memory/memory-store.js";
import { runProbeTick } from "../../../src/app/probe-tick.js";
import type { Principal } from "../../../src/app/auth.js";
import type { Runtime } from "../../../src/app/runtime.js";
import type { HttpHost } from "../../../src/sandbox/http-host.js";
import { startHttpHost } from "../../../src/sandbox/http-host.js";
import {
  ManualClock,
  TEST_OPERATOR,
  regionalApps,
  runtimeFor,
  twoRegionConfig,
} from "../../helpers/runtime.js";

const OBSERVER: Principal = { name: "func-tandem-westeurope", roles: ["observer"], via: "local" };
const signal = () => AbortSignal.timeout(5000);
/** westeurope asking about itself, as an observer asks a peer. */
const WEU_ASKS = { from: "westeurope", region: "westeurope" };

describe("peers over HTTP", () => {
  const { weu, neu } = regionalApps();
  let host: HttpHost;
  let north: Runtime;
  let caller: Principal = OBSERVER;

  before(async () => {
    const store = new MemoryStateStore();
    const config = twoRegionConfig({ westeurope: weu.healthUrl, northeurope: neu.healthUrl });
    // The principal the route sees is whoever the test says is calling.
    const make = async () =>
      runtimeFor(config, "northeurope", {
        store,
        clock: new ManualClock(),
        instance: "n",
        localPrincipal: caller,
      });
    north = await make();
    await runProbeTick(north);
    host = await startHttpHost({
      port: 0,
      functions: apiFunctions(async () => {
        (north.auth as { local?: Principal }).local = caller;
        return north;
      }),
      log: () => {},
    });
  });
  after(async () => host.close());
  /** Asks `peer` on the host (as the URL of that observer) the `question`. */
  const askHost = (peer: string, question: { from: string; region: string } = WEU_ASKS) =>
    new HttpPeers({ urls: { [peer]: host.url } }).ask(peer, question, { abortSignal: signal() });

  it("an observer's request is answered once the observations are written", async () => {
    caller = OBSERVER;
    const answer = await askHost("northeurope");
    assert.deepEqual(answer, {
      observer: "northeurope",
      region: "westeurope",
      probed: 1,
      failing: 0,
      written: true,
    });
  });

  it("an operator is not an observer: 403", async () => {
    caller = TEST_OPERATOR;
    await assert.rejects(askHost("northeurope"), /it answered 403: .*Tandem\.Observer/);
  });

  it("a request for another observer, or naming no other observer, is refused", async () => {
    caller = OBSERVER;
    await assert.rejects(
      askHost("swedencentral"),
      /it answered 404: .*this is observer northeurope, not swedencentral/,
    );
    await assert.rejects(
      askHost("northeurope", { from: "northeurope", region: "westeurope" }),
      /it answered 400: .*from/,
    );
    await assert.rejects(
      askHost("northeurope", { from: "westeurope", region: "West Europe" }),
      /it answered 400: .*region/,
    );
  });

  describe("answers that are not answers", () => {
    let server: ReturnType<typeof createServer>;
    let url = "";
    let reply: (res: ServerResponse) => void = () => {};
    let seen: IncomingHttpHeaders = {};
    before(async () => {
      server = createServer((req, res) => {
        seen = req.headers;
        reply(res);
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => {
      server.closeAllConnections();
      server.close();
    });
    const ask = (peers: HttpPeers, abortSignal = signal()) =>
      peers.ask("northeurope", WEU_ASKS, { abortSignal });

    it("carries the token it is given, as a bearer token", async () => {
      reply = (res) =>
        res.end(
          JSON.stringify({
            observer: "northeurope",
            region: "westeurope",
            probed: 1,
            failing: 1,
            written: false,
            note: "impaired",
          }),
        );
      const peers = new HttpPeers({ urls: { northeurope: url }, token: async () => "t0ken" });
      const answer = await ask(peers);
      assert.equal(seen.authorization, "Bearer t0ken");
      assert.equal(answer.note, "impaired");
    });

    it("says what was wrong: not JSON, the wrong shape, no answer in time", async () => {
      const peers = new HttpPeers({ urls: { northeurope: url } });
      reply = (res) => res.end("<html>gateway</html>");
      await assert.rejects(ask(peers), /its answer is not JSON: <html>gateway/);
      reply = (res) => res.end(JSON.stringify({ observer: "northeurope" }));
      await assert.rejects(ask(peers), /its answer is not a peer probe answer/);
      reply = () => {};
      await assert.rejects(ask(peers, AbortSignal.timeout(100)), /it did not answer in time/);
      await assert.rejects(
        peers.ask("swedencentral", WEU_ASKS, { abortSignal: signal() }),
        /no URL is known for observer swedencentral/,
      );
    });
  });

  it("never sends a token in the clear: plain http only to a loopback address", () => {
    assert.equal(
      peerUrl("a", "https://func-a.azurewebsites.net/"),
      "https://func-a.azurewebsites.net",
    );
    assert.equal(peerUrl("a", "http://127.0.0.1:7071"), "http://127.0.0.1:7071");
    assert.throws(() => peerUrl("a", "http://func-a.azurewebsites.net"), /must be https/);
    assert.throws(() => peerUrl("a", "func-a"), /is not a URL/);
  });
});
