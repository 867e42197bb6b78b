// A small valid configuration for the config tests, a fresh copy each call so that a case can
// break one thing in it: two observers, and `shop` in westeurope and northeurope probed over https.
import type { TandemConfigInput } from "../../src/config/index.js";

type GroupModel = TandemConfigInput["groups"][number]["model"];

export function validConfig(model: GroupModel = "active-passive"): Record<string, any> {
  const [first, second] =
    model === "active-active" ? ["active", "active"] : ["primary", "secondary"];
  return {
    observers: [{ region: "westeurope" }, { region: "northeurope" }],
    stateStore: { connection: "env:TANDEM_STORAGE" },
    groups: [
      {
        name: "shop",
        model,
        regions: [
          { name: "westeurope", role: first, probe: { url: "https://weu.example.com/healthz" } },
          { name: "northeurope", role: second, probe: { url: "https://neu.example.com/healthz" } },
        ],
      },
    ],
  };
}
