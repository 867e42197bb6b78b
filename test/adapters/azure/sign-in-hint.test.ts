import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TokenCredential } from "@azure/identity";
import { withSignInHint } from "../../../src/adapters/azure/sign-in-hint.js";

const failing = (name: string, message: string): TokenCredential => ({
  getToken: () => Promise.reject(Object.assign(new Error(message), { name })),
});

describe("a failed Azure sign-in says how to sign in", () => {
  it("adds `az login` and the identity settings to DefaultAzureCredential's bare failure", async () => {
    const credential = withSignInHint(
      failing("AggregateAuthenticationError", "ChainedTokenCredential authentication failed."),
    );
    await assert.rejects(credential.getToken("https://management.azure.com/.default"), (error) => {
      const e = error as Error;
      assert.equal(e.name, "AggregateAuthenticationError", "the name is kept for guards");
      assert.match(
        e.message,
        /^ChainedTokenCredential authentication failed\. Tandem could not sign in to Azure: on a laptop run `az login`.*AZURE_CLIENT_ID/,
      );
      return true;
    });
  });

  it("leaves other errors as they are, and passes tokens through", async () => {
    const other = withSignInHint(failing("RestError", "503 ServerBusy"));
    await assert.rejects(other.getToken("s"), { name: "RestError", message: "503 ServerBusy" });
    const token = { token: "t", expiresOnTimestamp: 1 };
    const fine = withSignInHint({ getToken: () => Promise.resolve(token) });
    assert.equal(await fine.getToken("s"), token);
  });
});
