// The status page as the sandbox serves it, after shop has failed over, with catalog's standby
// cluster stopped by design and Teams giving alerts up: the page's HTML and the JSON behind it
// tell the same story (one primary per group, a cold standby shown as one, the cluster's power
// state, the give-up). Then in a real browser: headless Chromium (Debian's package) driven by
// playwright-core; a screenshot is saved to test-results/status-page.png for people to look at.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { chromium } from "playwright-core";
import type { Sandbox } from "../../src/sandbox/sandbox.js";
import { startSandbox } from "../../src/sandbox/sandbox.js";
import { ROOT } from "../helpers/paths.js";
import { waitFor } from "../helpers/wait.js";

const CHROMIUM = process.env["TANDEM_CHROMIUM"] ?? "/usr/bin/chromium";
const missing = existsSync(CHROMIUM)
  ? undefined
  : `no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install chromium; .ci/run does) or set TANDEM_CHROMIUM`;
/** On CI (`.ci/run` sets CI and installs Chromium) a missing browser is a failure, never a skip. */
const onCI = Boolean(process.env["CI"]);

if (missing && onCI)
  it("status page in headless Chromium: the browser is there on CI", () => {
    assert.fail(missing);
  });

/** A give-up in seconds, not minutes: every alert is tried for 3 s on each channel. */
const WINDOW_MS = 3000;

/** The region rows of a group's section, each as its HTML up to the next region row. */
function regionRows(html: string, group: string): Map<string, string> {
  const section = html
    .split(`<section class="group" id="group-${group}">`)[1]
    ?.split("</section>")[0];
  assert.ok(section, `the page has a section for ${group}`);
  const rows = new Map<string, string>();
  for (const part of section.split('<tr class="region"').slice(1))
    rows.set(
      /data-region="([^"]+)"/.exec(part)![1]!,
      `<tr class="region"${part.split('<tr class="observer"')[0]!}`,
    );
  return rows;
}

const launch = () =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });

/** An uptime as the page should print it: cut, never rounded up, to two decimals. */
const percent = (share: number | null) =>
  share === null ? "no data" : `${(Math.floor(share * 10_000) / 100).toFixed(2)} %`;

const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, " ")
    .replace(/&middot;/g, "·")
    .replace(/\s+/g, " ")
    .trim();

describe("status page", () => {
  let sandbox: Sandbox;
  const status = async () => (await (await fetch(`${sandbox.url}/api/status`)).json()) as any;
  const page = async () =>
    (await fetch(`${sandbox.url}/api/status`, { headers: { accept: "text/html" } })).text();

  before(async () => {
    sandbox = await startSandbox({
      port: 0,
      intervalSeconds: 1,
      failureThreshold: 2,
      // Fail back soon after westeurope is up again (the history's tests, last in this file).
      dwellSeconds: 2,
      alertTiming: {
        windowMs: { info: WINDOW_MS, warning: WINDOW_MS, error: WINDOW_MS, critical: WINDOW_MS },
        attemptTimeoutMs: 500,
      },
    });
    await waitFor(
      "observations from both observers, and a lease holder to deliver alerts",
      async () => {
        const body = await status();
        return body.lease && body.groups[0].regions[0].observations.length === 2 ? true : undefined;
      },
    );
    // Teams fails every request from now on; catalog is paused, so only shop fails over.
    sandbox.alerts.modes.teams = "500";
    await fetch(`${sandbox.url}/api/groups/catalog/pause`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ reason: "database migration until 14:00" }),
    });
    await fetch(`${sandbox.url}/sandbox/regions/westeurope/down`, { method: "POST" });
    await waitFor(
      "shop failed over to northeurope, Teams gave an alert up, catalog's clusters were read",
      async () => {
        const body = await status();
        const shop = body.groups[0];
        const teams = body.alerts.find((c: any) => c.name === "teams");
        return shop.incident?.step === "completed" &&
          shop.routing?.primary === "northeurope" &&
          teams?.givenUp > 0 &&
          body.groups[1].regions[1].cluster
          ? true
          : undefined;
      },
      { timeoutMs: 60_000 },
    );
  });
  after(async () => sandbox?.stop());

  it("the JSON: each region's place in the routing, from the same read as the group's primary; the cluster's power; a cold standby", async () => {
    const body = await status();
    const [shop, catalog] = body.groups;
    assert.deepEqual(shop.routing.serving, ["northeurope"]);
    assert.deepEqual(
      shop.regions.map((r: any) => [r.name, r.role, r.traffic, r.coldStandby]),
      [
        ["westeurope", "primary", "standby", false],
        ["northeurope", "secondary", "primary", false],
      ],
    );
    const north = catalog.regions.find((r: any) => r.name === "northeurope");
    assert.deepEqual(
      [north.traffic, north.cluster.power, north.verdict, north.coldStandby],
      ["standby", "Stopped", "down", true],
      "a stopped standby of a passive-cold group: its verdict is down, and it is a cold standby",
    );
    const west = catalog.regions.find((r: any) => r.name === "westeurope");
    assert.deepEqual(
      [west.traffic, west.cluster.power, west.coldStandby],
      ["primary", "Running", false],
    );
  });

  it("the page: one primary per group in the header and the rows, a cold standby not shown as down, the cluster's power, and what Teams gave up", async () => {
    const html = await page();
    const shopHeader = text(
      /<section class="group" id="group-shop"><h2>(.*?)<\/h2>/.exec(html)![1]!,
    );
    assert.match(shopHeader, /primary northeurope,/, "the header's primary");
    const shop = regionRows(html, "shop");
    assert.match(text(shop.get("northeurope")!), /^northeurope primary \(configured secondary\) /);
    assert.match(
      text(shop.get("westeurope")!),
      /^westeurope standby \(configured primary\) (suspect|down) /,
      "the region failed over from: a standby now, and its verdict as it is",
    );

    const catalog = regionRows(html, "catalog");
    const cold = catalog.get("northeurope")!;
    assert.match(
      text(cold),
      /^northeurope standby cold standby Stopped enabled, priority 2 · cold standby: its cluster is Stopped/,
    );
    assert.ok(!/>down</.test(cold), "no down badge on a cold standby's row");
    assert.match(cold, /data-cold-standby="true"/);
    assert.match(
      text(catalog.get("westeurope")!),
      /^westeurope primary (healthy|suspect|down) Running /,
    );

    const giveUps = /<section class="giveups">(.*?)<\/section>/.exec(html)?.[1];
    assert.ok(giveUps, "a section for alerts not delivered");
    assert.match(
      text(giveUps),
      /teams \(teams\) has given up \d+ alerts? and delivered none since; the last: \S+ \S+ [a-z.-]+ ".+": .*The other channels were told\./,
    );
    assert.match(giveUps, /500 Internal Server Error/, "why it was given up");
    // Only channels that gave alerts up are listed (on a loaded machine another channel may
    // give one up within the short window too).
    const listed = [...giveUps.matchAll(/<li data-channel="([^"]+)"/g)].map((m) => m[1]);
    const gaveUp = (await status()).alerts
      .filter((c: any) => c.givenUp > 0)
      .map((c: any) => c.name);
    assert.ok(listed.includes("teams"));
    for (const name of listed) assert.ok(gaveUp.includes(name), `${name} gave nothing up`);
    const teamsRow = /<tr class="channel" data-channel="teams">(.*?)<\/tr>/.exec(html)![1]!;
    assert.match(text(teamsRow), /, [1-9]\d* given up$/);
    assert.match(
      /<td class="reason given-up">(.*?)<\/td>/.exec(teamsRow)![1]!,
      /^\d{4}-\d\d-\d\d /,
    );
  });

  it(
    "in headless Chromium: each group's regions, verdicts and per-observer timelines, and a screenshot",
    { skip: missing ? `skipped outside CI: ${missing}` : false },
    async () => {
      const browser = await launch();
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const response = await page.goto(`${sandbox.url}/`);
        assert.equal(response?.status(), 200);
        assert.match((await response!.headerValue("content-type")) ?? "", /text\/html/);
        assert.equal(await page.title(), "Tandem status");
        for (const group of ["shop", "catalog"]) {
          const section = page.locator(`#group-${group}`);
          for (const region of ["westeurope", "northeurope"])
            assert.equal(await section.locator(`tr.region[data-region="${region}"]`).count(), 1);
        }
        assert.match(
          await page.locator("#group-catalog p.pause").innerText(),
          /Automation paused by sandbox-operator at .*: database migration until 14:00/,
          "the pause reason is shown",
        );
        const shopWest = page.locator('#group-shop tr.region[data-region="westeurope"]');
        assert.match(
          await shopWest.locator("td.verdict").innerText(),
          /suspect|down/,
          "the verdict reads as text",
        );
        assert.equal(
          await page
            .locator('#group-catalog tr.region[data-region="northeurope"] td.verdict')
            .innerText(),
          "cold standby",
        );
        const timelines = page.locator("#group-shop svg.timeline");
        assert.equal(await timelines.count(), 4, "two regions times two observers");
        assert.match(
          (await timelines.first().getAttribute("aria-label")) ?? "",
          /probed in \d+ of the last 60 minutes, down in \d+/,
        );
        assert.equal(
          await page.locator("#group-shop svg.timeline").first().locator("rect").count(),
          60,
        );
        const dir = join(ROOT, "test-results");
        await mkdir(dir, { recursive: true });
        await page.screenshot({ path: join(dir, "status-page.png"), fullPage: true });
      } finally {
        await browser.close();
      }
    },
  );

  // The history, after the outage above and a failback: westeurope comes back now. The sandbox
  // is the one the tests above used (it stays as they left it until here).
  const history = async () =>
    (await (await fetch(`${sandbox.url}/api/status/history`)).json()) as any;
  /** The history JSON and the page read between two equal reads of it (no write in between). */
  const pageWithHistory = () =>
    waitFor("the history unchanged around a read of the page", async () => {
      const before = await history();
      const html = await page();
      const after = await history();
      return JSON.stringify(before.groups) === JSON.stringify(after.groups)
        ? { json: after, html }
        : undefined;
    });

  it("after the outage and a failback: the history's uptime, latency and time to recover, on the page as in the JSON", async () => {
    await fetch(`${sandbox.url}/sandbox/regions/westeurope/up`, { method: "POST" });
    await waitFor(
      "shop failed back, and the history holds westeurope's outage and the failover",
      async () => {
        const shop = (await status()).groups[0];
        const past = (await history()).groups[0];
        const west = past.regions.find((r: any) => r.name === "westeurope");
        return shop.incident?.kind === "failback" &&
          shop.incident.step === "completed" &&
          west.uptime["24h"] < 1 &&
          past.incidents.some((i: any) => i.kind === "failover" && i.recoverSeconds !== null)
          ? true
          : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const { json, html } = await pageWithHistory();
    assert.ok(Buffer.byteLength(html) < 100_000, `the page is ${Buffer.byteLength(html)} bytes`);
    const shop = json.groups.find((g: any) => g.name === "shop");
    const section = html
      .split('<section class="group" id="group-shop">')[1]!
      .split("</section>")[0]!;
    const west = shop.regions.find((r: any) => r.name === "westeurope");
    assert.ok(west.uptime["24h"] > 0 && west.uptime["24h"] < 1, "westeurope was down for a while");
    for (const target of [...shop.regions, shop.entryPoint]) {
      const rows = [
        ...(target.uptime
          ? [[`<tr class="target" data-target="${target.name}">`, target.uptime]]
          : []),
        ...target.observers.map((o: any) => [
          `<tr class="seen" data-target="${target.name}" data-observer="${o.observer}">`,
          o.uptime,
        ]),
      ] as [string, Record<string, number | null>][];
      assert.ok(rows.length >= 2, `${target.name}: a verdict or entry row and its observers`);
      for (const [start, uptime] of rows) {
        const row = section.split(start)[1]?.split("</tr>")[0];
        assert.ok(row, `a row ${start}`);
        for (const w of ["24h", "7d", "30d"])
          assert.match(
            row,
            new RegExp(
              `<td data-window="${w}"[^>]*>${percent(uptime[w]!).replace(".", "\\.")}</td>`,
            ),
            `${start} ${w}`,
          );
      }
    }
    const seenByNorth = west.observers.find((o: any) => o.observer === "northeurope");
    assert.ok(seenByNorth.uptime["24h"] < 1, "northeurope saw westeurope fail");

    const latest = west.latency.filter((h: any) => h.probes > 0).at(-1);
    assert.ok(latest, "westeurope's passing probes have phase timings");
    const chart = /<figure class="latency" data-target="westeurope">(.*?)<\/figure>/.exec(
      section,
    )?.[1];
    assert.ok(chart, "a latency chart for westeurope");
    assert.match(
      chart,
      new RegExp(
        `latest hour: DNS ${latest.dnsMs} ms, connect ${latest.connectMs} ms, TLS ${latest.tlsMs} ms, first byte ${latest.firstByteMs} ms`,
      ),
    );
    assert.ok((chart.match(/<path /g) ?? []).length >= 1, "bars drawn");

    const failover = shop.incidents.find((i: any) => i.kind === "failover");
    const item = new RegExp(`<li class="incident" data-incident="${failover.id}">(.*?)</li>`).exec(
      section,
    )?.[1];
    assert.ok(item, "the failover in the incidents");
    assert.match(item, new RegExp(`<b class="ttr" data-seconds="${failover.recoverSeconds}">`));
    assert.deepEqual(
      [...item.matchAll(/<circle /g)].length,
      failover.steps.length,
      "a dot per step on its line",
    );
    assert.equal(failover.steps[0].step, "detected");
    assert.equal(failover.steps.at(-1).step, "completed");
    assert.equal(failover.steps.at(-1).afterSeconds, failover.recoverSeconds);
  });

  it(
    "in headless Chromium at phone width: no horizontal scroll, and the history reads as in the JSON",
    { skip: missing ? `skipped outside CI: ${missing}` : false },
    async () => {
      const browser = await launch();
      try {
        const tab = await browser.newPage({ viewport: { width: 390, height: 844 } });
        const before = await history();
        await tab.goto(`${sandbox.url}/`);
        const after = await history();
        const widths = (await tab.evaluate(
          "({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })",
        )) as { scroll: number; client: number };
        assert.ok(widths.scroll <= widths.client, `${widths.scroll} px wide in ${widths.client}`);
        // The page was made between the two reads: it shows one of them.
        const shown = await tab
          .locator('#group-shop tr.target[data-target="westeurope"] td[data-window="30d"]')
          .innerText();
        const west = (json: any) =>
          percent(json.groups[0].regions.find((r: any) => r.name === "westeurope").uptime["30d"]);
        assert.ok([west(before), west(after)].includes(shown), shown);
        assert.ok(
          await tab.locator('#group-shop figure.latency[data-target="westeurope"] svg').isVisible(),
        );
        assert.ok(await tab.locator("#group-shop li.incident b.ttr").first().isVisible());
        const dir = join(ROOT, "test-results");
        await mkdir(dir, { recursive: true });
        await tab.screenshot({ path: join(dir, "status-page-phone.png"), fullPage: true });
        const shot = await tab.screenshot({ fullPage: true });
        assert.equal(shot.readUInt32BE(16), 390, "the screenshot is as wide as the phone");
      } finally {
        await browser.close();
      }
    },
  );
});
