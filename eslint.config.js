// Lint rules, including the ones that keep the rooms of DESIGN.md apart:
// src/core is pure (no I/O, no clock, no randomness, no SDKs); src/app never reaches adapters.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const nodeBuiltins = [
  "node:*",
  "fs",
  "fs/*",
  "http",
  "https",
  "net",
  "tls",
  "dns",
  "child_process",
  "os",
  "path",
  "process",
  "timers",
  "timers/*",
  "crypto",
];

export default tseslint.config(
  {
    ignores: [
      "dist/",
      "node_modules/",
      "test-output/",
      "coverage/",
      ".package/",
      "reports/",
      ".stryker-tmp/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": [
        "error",
        {
          allowForKnownSafeCalls: [
            { from: "package", package: "node:test", name: ["describe", "it", "test", "suite"] },
          ],
        },
      ],
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
      eqeqeq: ["error", "always"],
    },
  },
  {
    // The Function App bundle (ADR 13): zod's `z` object holds every locale and converter, and a
    // named import of it keeps them all in the bundle; `import * as z` lets esbuild leave them out.
    files: ["src/**/*.ts", "functions/**/*.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector:
            "ImportDeclaration[source.value='zod'][importKind='value'] > ImportSpecifier[imported.name='z']",
          message: 'Import zod as `import * as z from "zod"`: the named `z` bundles all of zod.',
        },
      ],
    },
  },
  {
    files: ["src/core/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: nodeBuiltins,
              message: "src/core is pure: no I/O. Pass data in; let src/app do the I/O.",
            },
            {
              group: ["@azure/*", "applicationinsights", "zod", "standardwebhooks"],
              message: "src/core imports no SDKs: define the shape you need in core.",
            },
            {
              group: ["../*"],
              message: "src/core imports nothing outside itself.",
            },
          ],
        },
      ],
      "no-restricted-globals": [
        "error",
        { name: "process", message: "src/core reads no environment: take it as a parameter." },
        { name: "fetch", message: "src/core does no I/O." },
        { name: "setTimeout", message: "src/core does not wait: time is a parameter." },
        { name: "setInterval", message: "src/core does not wait: time is a parameter." },
        { name: "performance", message: "src/core reads no clock: time is a parameter." },
      ],
      "no-restricted-properties": [
        "error",
        {
          object: "Date",
          property: "now",
          message: "src/core reads no clock: take `now` as a parameter.",
        },
        {
          object: "Math",
          property: "random",
          message: "src/core is deterministic: take a seeded source.",
        },
      ],
      "no-restricted-syntax": [
        "error",
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: "src/core reads no clock: take `now` as a parameter.",
        },
      ],
    },
  },
  {
    files: ["src/app/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: [
                "../adapters/*",
                "../sandbox/*",
                "../cli/*",
                "../compose.js",
                "../../functions/*",
              ],
              message: "src/app drives ports; only src/compose.ts knows adapters.",
            },
            { group: ["@azure/*"], message: "src/app imports no SDKs: go through a port." },
          ],
        },
      ],
    },
  },
  {
    files: ["src/adapters/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["../../app/*", "../../sandbox/*", "../../cli/*", "../../compose.js"],
              message: "Adapters implement ports; they do not call use cases.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["src/providers/**/*.ts", "src/probes/**/*.ts", "src/channels/**/*.ts"],
    ignores: ["src/providers/*/emulator.ts", "src/providers/emulated.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: [
                "../app/*",
                "../../app/*",
                "../compose.js",
                "../../compose.js",
                "../../cli/*",
                "../sandbox/*",
                "../../sandbox/*",
                "../../../functions/*",
              ],
              message:
                "A provider is a lever or a probe kind (or an alert channel) and its settings: it does not call use cases, the sandbox or the composition root (only a lever's emulator.ts reaches the sandbox's emulator kit).",
            },
          ],
        },
      ],
    },
  },
  {
    // A channel kind's index.ts is its declaration: what it sends with loads in create().
    files: ["src/channels/*/index.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["./*", "standardwebhooks", "@azure/*"],
              allowTypeImports: true,
              message:
                "A channel kind's index.ts declares the kind: import its implementation inside create() (`await import(...)`), so that a Function App loads only the kinds it is configured with.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["src/providers/*/emulator.ts", "src/providers/emulated.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["../../app/*", "../../compose.js", "../../cli/*", "../../../functions/*"],
              message: "An emulated service answers ARM requests; it does not call use cases.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["functions/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              // src/settings.js: the app settings' names, needed to register the timers before the
              // composition root is loaded (it loads on the first invocation; ADR 13).
              group: ["../src/*", "!../src/app", "!../src/compose.js", "!../src/settings.js"],
              message:
                "functions/ only registers: it reaches use cases through src/app and the composition root.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["test/**/*.ts"],
    rules: {
      // Tests read JSON answers whose shape they assert.
      "@typescript-eslint/no-explicit-any": "off",
    },
  },
  {
    files: ["**/*.js"],
    ...tseslint.configs.disableTypeChecked,
  },
);
