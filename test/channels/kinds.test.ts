// Every built-in alert channel kind passes the channel contract; the registry refuses a kind
// declared twice.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CHANNEL_KINDS, withChannels } from "../../src/channels/registry.js";
import { channelKindContract } from "./contract.js";

for (const kind of CHANNEL_KINDS) channelKindContract(kind);

describe("alert channel kind registry", () => {
  it("refuses a kind that another kind has", () => {
    const [teams] = CHANNEL_KINDS;
    assert.throws(
      () => withChannels(CHANNEL_KINDS, [{ ...teams, title: "another Teams" }]),
      /two alert channel kinds have the kind "teams"/,
    );
    assert.equal(withChannels(CHANNEL_KINDS, []).length, CHANNEL_KINDS.length);
  });
});
