// Every ARM reply 15 s late: see slow-arm.ts.
import { after, before, describe, it } from "node:test";
import { DETECTS, FAILS_OVER, slowArmScenario } from "./slow-arm.js";

const scenario = slowArmScenario(15_000);
describe("sandbox with every ARM reply 15 s late", () => {
  before(scenario.start);
  after(scenario.stop);
  it(DETECTS, scenario.detects);
  it(FAILS_OVER, scenario.failsOver);
});
