// `tandem alerts test CHANNEL`: a sample alert through one channel, with the receiver's answer.
import type { ChannelTestAnswer } from "../../app/api/types.js";
import { EXIT, call } from "../client.js";
import type { CommandContext } from "../command.js";
import { Usage } from "../command.js";
import { formatChannelTest } from "../format.js";

export async function alerts({ positional, api, print }: CommandContext) {
  if (positional[0] !== "test" || positional.length !== 2)
    throw new Usage("alerts takes: test CHANNEL");
  const channel = positional[1]!;
  const { body } = await call<ChannelTestAnswer>(
    api,
    "POST",
    `/api/alerts/${encodeURIComponent(channel)}/test`,
  );
  print(formatChannelTest(body), body);
  return body.delivered ? EXIT.ok : EXIT.failed;
}
