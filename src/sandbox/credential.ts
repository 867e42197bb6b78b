// The sandbox's identity: a fixed bearer token that only the ARM emulator accepts. Given to the
// Azure adapters through the composition root, never chosen by production code on its own.
import type { AccessToken, TokenCredential } from "@azure/identity";
import { SANDBOX_TOKEN } from "./arm-emulator.js";

export const sandboxCredential: TokenCredential = {
  async getToken(): Promise<AccessToken> {
    return { token: SANDBOX_TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 };
  },
};
