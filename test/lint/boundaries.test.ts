// The lint rules that keep DESIGN.md's rooms apart, checked on code that breaks them.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ESLint } from "eslint";
import tseslint from "typescript-eslint";
import { ROOT } from "../helpers/paths.js";

const eslint = new ESLint({ cwd: ROOT, overrideConfig: [tseslint.configs.disableTypeChecked] });

async function messages(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe("lint boundaries", () => {
  const core = "src/core/example.ts";
  const cases: [string, string, string, RegExp][] = [
    [
      "core may not import Node I/O",
      core,
      'import { readFile } from "node:fs/promises";\nexport const f = readFile;\n',
      /no-restricted-imports: .*src\/core is pure: no I\/O/,
    ],
    [
      "core may not import an Azure SDK",
      core,
      'import { TableClient } from "@azure/data-tables";\nexport const t = TableClient;\n',
      /no-restricted-imports: .*imports no SDKs/,
    ],
    [
      "core may not import from outside itself",
      core,
      'import { systemClock } from "../adapters/clock/system-clock.js";\nexport const c = systemClock;\n',
      /no-restricted-imports: .*imports nothing outside itself/,
    ],
    [
      "core may not read the clock",
      core,
      "export const now = () => Date.now();\n",
      /no-restricted-properties: .*reads no clock/,
    ],
    [
      "core may not make a current Date",
      core,
      "export const now = () => new Date();\n",
      /no-restricted-syntax: .*reads no clock/,
    ],
    [
      "core may not use randomness",
      core,
      "export const r = () => Math.random();\n",
      /no-restricted-properties: .*deterministic/,
    ],
    [
      "app may not import adapters",
      "src/app/example.ts",
      'import { MemoryStateStore } from "../adapters/store/memory/memory-store.js";\nexport const s = MemoryStateStore;\n',
      /no-restricted-imports: .*only src\/compose.ts knows adapters/,
    ],
    [
      "functions/ may not reach past src/app and the composition root",
      "functions/example.ts",
      'import { isConfigError } from "../src/config/problems.js";\nexport const c = isConfigError;\n',
      /no-restricted-imports: .*functions\/ only registers/,
    ],
    [
      "functions/ may not import an adapter",
      "functions/example.ts",
      'import { MemoryStateStore } from "../src/adapters/store/memory/memory-store.js";\nexport const s = MemoryStateStore;\n',
      /no-restricted-imports: .*functions\/ only registers/,
    ],
    [
      "a provider may not call a use case",
      "src/providers/example/index.ts",
      'import { runProbeTick } from "../../app/probe-tick.js";\nexport const r = runProbeTick;\n',
      /no-restricted-imports: .*A provider is a lever/,
    ],
    [
      "a provider may not reach the composition root",
      "src/providers/example/router.ts",
      'import { compose } from "../../compose.js";\nexport const c = compose;\n',
      /no-restricted-imports: .*A provider is a lever/,
    ],
    [
      "a provider's lever may not import the sandbox",
      "src/providers/example/router.ts",
      'import { ArmReply } from "../../sandbox/arm/kit.js";\nexport const a = ArmReply;\n',
      /no-restricted-imports: .*A provider is a lever/,
    ],
    [
      "a probe kind may not call a use case or import the sandbox",
      "src/probes/example/probe.ts",
      'import { runProbeTick } from "../../app/probe-tick.js";\nimport { ArmReply } from "../../sandbox/arm/kit.js";\nexport const r = [runProbeTick, ArmReply];\n',
      /no-restricted-imports: .*A provider is a lever or a probe kind/,
    ],
    [
      "an alert channel may not call a use case or reach the composition root",
      "src/channels/example/channel.ts",
      'import { runProbeTick } from "../../app/probe-tick.js";\nimport { compose } from "../../compose.js";\nexport const r = [runProbeTick, compose];\n',
      /no-restricted-imports: .*or an alert channel/,
    ],
    [
      "a channel kind's index.ts may not import its implementation up front",
      "src/channels/example/index.ts",
      'import { render } from "./render.js";\nexport const r = render;\n',
      /no-restricted-imports: .*import its implementation inside create\(\)/,
    ],
    [
      "a provider's emulated service may not call a use case",
      "src/providers/example/emulator.ts",
      'import { runProbeTick } from "../../app/probe-tick.js";\nexport const r = runProbeTick;\n',
      /no-restricted-imports: .*does not call use cases/,
    ],
  ];
  for (const [name, file, code, expected] of cases) {
    it(name, async () => {
      const found = await messages(file, code);
      assert.ok(
        found.some((m) => expected.test(m)),
        `expected ${expected} in ${JSON.stringify(found)}`,
      );
    });
  }

  const allowed: [name: string, file: string, code: string][] = [
    [
      "functions/ may import src/app and the composition root",
      "functions/example.ts",
      'import { serve } from "../src/app/api/routes.js";\nimport { compose } from "../src/compose.js";\nexport const a = [serve, compose];\n',
    ],
    [
      "a channel kind's index.ts may import its implementation's types, and load it in create()",
      "src/channels/example/index.ts",
      'import type { Render } from "./render.js";\nexport const load = async (): Promise<Render> => (await import("./render.js")).render;\n',
    ],
    [
      "a provider's emulated service may use the emulator kit",
      "src/providers/example/emulator.ts",
      'import { ArmReply } from "../../sandbox/arm/kit.js";\nexport const a = ArmReply;\n',
    ],
  ];
  for (const [name, file, code] of allowed)
    it(name, async () => assert.deepEqual(await messages(file, code), []));

  it("core code that only computes passes", async () => {
    assert.deepEqual(
      await messages(core, "export const add = (a: number, b: number): number => a + b;\n"),
      [],
    );
  });
});
