// Stand-ins for the models and parameters of an AutoRest-generated Azure SDK (the `dist-esm/src`
// layout of @azure/arm-sql 10 and @azure/arm-cdn 9): an operation group hands its whole
// `Mappers` namespace to the serializer, and `models/parameters.js` imports a mapper for every
// request body of the SDK, so bundled as they are, every model of the SDK would be in the
// package (its derived models are made by Object.assign calls esbuild cannot drop). The
// stand-ins give the operation group Tandem calls the parameters and models it names, and the
// models those reach, taken at bundle time from the installed SDK's own modules: an SDK update
// that renames one fails the bundle with a message naming it, never the lever at run time.
import { readFileSync } from "node:fs";

export interface ModelStandIns {
  /** The `models/parameters.js` the operation group names, importing their mappers. */
  parameters(): string;
  /** The `models/mappers.js` models the group and its parameters reach. */
  mappers(): string;
}

/** The stand-ins for `operations` (e.g. `operations/afdOrigins.js`) of the SDK `pkg`. */
export function autorestModels(pkg: string, operations: string): ModelStandIns {
  const sdk = new URL(`../../node_modules/${pkg}/dist-esm/src/`, import.meta.url);
  const read = (file: string) => readFileSync(new URL(file, sdk), "utf8");

  /** The `export const name = ...;` statements of a generated SDK module, by name. */
  const statements = (file: string): Map<string, string> => {
    const found = new Map<string, string>();
    for (const m of read(file).matchAll(/^export const ([\w$]+) = [\s\S]*?^};$/gm))
      found.set(m[1]!, m[0]);
    return found;
  };

  const statement = (all: ReadonlyMap<string, string>, file: string, name: string): string => {
    const text = all.get(name);
    if (text === undefined)
      throw new Error(
        `scripts/bundle-left-out-models.ts: ${pkg}'s ${file} has no export ${name}; the SDK changed, update the stand-ins`,
      );
    return text;
  };

  /** What the operation group names of a namespace it imports (`Mappers.FailoverGroup`...). */
  const named = (namespace: string) => [
    ...new Set(
      [...read(operations).matchAll(new RegExp(`\\b${namespace}\\.([\\w$]+)`, "g"))].map(
        (m) => m[1]!,
      ),
    ),
  ];

  /** The parameters the group names, and the models they name (`FailoverGroupMapper`). */
  const parameters = (): { text: string[]; models: string[] } => {
    const all = statements("models/parameters.js");
    const text = named("Parameters").map((n) => statement(all, "models/parameters.js", n));
    const models = [
      ...new Set(text.flatMap((t) => [...t.matchAll(/\b(\w+)Mapper\b/g)].map((m) => m[1]!))),
    ];
    return { text, models };
  };

  return {
    parameters() {
      const { text, models } = parameters();
      const imports = models.map((m) => `${m} as ${m}Mapper`).join(", ");
      return `import { ${imports} } from "../models/mappers";\n${text.join("\n")}\n`;
    },
    /**
     * The models the group and its parameters name, with every model they reach (by
     * `className`, which the serializer looks up among those it is given, or by spreading
     * another's properties, which must be defined first).
     */
    mappers() {
      const file = "models/mappers.js";
      const all = statements(file);
      const out: string[] = [];
      const done = new Set<string>();
      const visit = (name: string) => {
        if (done.has(name)) return;
        done.add(name);
        const text = statement(all, file, name);
        for (const m of text.matchAll(/\b(\w+)\.type\.modelProperties/g)) visit(m[1]!);
        out.push(text);
        for (const m of text.matchAll(/className: "(\w+)"/g)) visit(m[1]!);
      };
      for (const name of [...named("Mappers"), ...parameters().models]) visit(name);
      return `${out.join("\n")}\n`;
    },
  };
}
