// One copy of the Azure core libraries in the Function App bundle. They ship both an ES module
// build and a CommonJS one (package.json "exports": "import" and "require"). Tandem and the lever
// SDKs import them; the Azure Monitor exporter, which is CommonJS, requires them, so esbuild
// bundled both builds: about 235 KB of a second core-rest-pipeline, ts-http-runtime, core-util
// and logger (issue 31). Resolving those requires as imports gives every caller the ES build, as
// one module: esbuild wraps an ES module that is required so that require() returns its exports.
// Only packages that publish both builds of one API are listed.
import type { Plugin } from "esbuild";

export const ONE_COPY =
  /^(@azure\/(core-[a-z-]+|logger|abort-controller)|@azure-rest\/core-client|@typespec\/ts-http-runtime)(\/.*)?$/;

/** The esbuild plugin that resolves a `require()` of a package in `only` as an import. */
export function oneCopy(only: RegExp = ONE_COPY): Plugin {
  return {
    name: "tandem-one-copy",
    setup(build) {
      build.onResolve({ filter: only }, async (args) => {
        if (args.kind !== "require-call") return undefined;
        const resolved = await build.resolve(args.path, {
          kind: "import-statement",
          importer: args.importer,
          resolveDir: args.resolveDir,
        });
        return resolved.errors.length > 0 ? undefined : { path: resolved.path };
      });
    },
  };
}
