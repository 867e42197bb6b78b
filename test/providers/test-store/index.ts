// A data store kind that exists only for tests: its settings name an account, and its lever is
// the one the test gives (the memory data lever, whose call log a test reads). Registered through
// withProviders(); nothing outside this folder knows the kind.
import * as z from "zod";
import type { DataControl } from "../../../src/ports/data-control.js";
import type { DataProvider } from "../../../src/providers/types.js";
import { dataProvider } from "../../../src/providers/types.js";

const testStoreSchema = z
  .strictObject({
    kind: z.literal("test-store").describe("A store held by the test."),
    account: z.string().min(1).describe("The store's account, for the test's own checks."),
  })
  .describe("A data store of a test.");

/** The kind, with `lever` as the lever its factory builds for every store of the kind. */
export function testStore(lever?: DataControl): DataProvider {
  return dataProvider({
    kind: "test-store",
    title: "Test store",
    schema: testStoreSchema,
    operations: [],
    scopes: (settings) => [settings.account],
    scopeDescription: "the account each store names",
    scopeType: "Microsoft.Test/stores",
    failoverMs: 30_000,
    create: async () => {
      if (!lever) throw new Error("the test gave the test-store kind no lever");
      return lever;
    },
  });
}
