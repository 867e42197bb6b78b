// A stand-in for the Functions host's `@azure/functions-core`, the module the worker provides to
// the app: written into a staged package's node_modules, it records each function the app
// registers and keeps its handler, so a test or benchmark can start the bundled Function App in
// plain Node and invoke its timers as the host would.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const CORE = `
const registered = [];
const handlers = {};
module.exports = {
  registered,
  handlers,
  setProgrammingModel() {},
  registerHook() { return { dispose() {} }; },
  registerFunction(metadata, handler) {
    registered.push(metadata.name);
    handlers[metadata.name] = handler;
    return { dispose() {} };
  },
  log() {},
};`;

/** Installs the stand-in under `<appRoot>/node_modules/@azure/functions-core`. */
export function installStandInHost(appRoot: string): void {
  const dir = join(appRoot, "node_modules/@azure/functions-core");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "index.js"), CORE);
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "@azure/functions-core", main: "index.js" }),
  );
}
