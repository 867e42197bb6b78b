// The status page in a real browser: headless Chromium (Debian's package) driven by
// playwright-core, against the sandbox. The page must show both regions of each group and the
// timelines; a screenshot is saved to test-results/status-page.png for people to look at.
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

describe(
  "status page in headless Chromium",
  { skip: missing ? `skipped outside CI: ${missing}` : false },
  () => {
    let sandbox: Sandbox;
    before(async () => {
      sandbox = await startSandbox({ port: 0, intervalSeconds: 1, failureThreshold: 2 });
      await waitFor("observations from both observers", async () => {
        const body = (await (await fetch(`${sandbox.url}/api/status`)).json()) as any;
        return body.groups[0].regions[0].observations.length === 2 ? true : undefined;
      });
      await fetch(`${sandbox.url}/sandbox/regions/northeurope/down`, { method: "POST" });
      await fetch(`${sandbox.url}/api/groups/catalog/pause`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ reason: "database migration until 14:00" }),
      });
      await waitFor("northeurope down in shop", async () => {
        const body = (await (await fetch(`${sandbox.url}/api/status`)).json()) as any;
        return body.groups[0].regions[1].verdict !== "healthy" ? true : undefined;
      });
    });
    after(async () => sandbox?.stop());

    it("shows each group's regions, verdicts and per-observer timelines, and saves a screenshot", async () => {
      const browser = await chromium.launch({
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
        const shopNorth = page.locator('#group-shop tr.region[data-region="northeurope"]');
        assert.match(await shopNorth.innerText(), /suspect|down/, "the verdict reads as text");
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
    });
  },
);
