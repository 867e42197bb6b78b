// The app roles of Tandem's Entra app registration, from the configuration's `api` role names, in
// the shape `az ad app create --app-roles` takes. Bicep's resource providers cannot create an app
// registration, so infra/hooks/entra-app.sh does, with these roles.
import { createHash } from "node:crypto";
import type { TandemConfig } from "../config/index.js";

export interface AppRole {
  readonly id: string;
  readonly value: string;
  readonly displayName: string;
  readonly description: string;
  readonly allowedMemberTypes: readonly ("User" | "Application")[];
  readonly isEnabled: boolean;
}

/** A stable GUID for a role value, so that running the hook again changes nothing. */
function stableId(value: string): string {
  const h = createHash("sha256").update(`tandem app role ${value}`).digest("hex");
  // Shaped as a version 8 (custom) UUID with the RFC 4122 variant.
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Reader first: infra/hooks/entra-app.sh gives the person deploying the first role. */
export function appRoles(config: TandemConfig): AppRole[] {
  const role = (
    value: string,
    displayName: string,
    description: string,
    allowedMemberTypes: AppRole["allowedMemberTypes"] = ["User", "Application"],
  ): AppRole => ({
    id: stableId(value),
    value,
    displayName,
    description,
    allowedMemberTypes,
    isEnabled: true,
  });
  return [
    role(config.api.readerRole, "Tandem reader", "Read Tandem's status, incidents and audit log."),
    role(
      config.api.operatorRole,
      "Tandem operator",
      "Also fail over, fail back, pause, resume and drill through Tandem's API.",
    ),
    // Applications only: Tandem's observers calling each other; no person holds it.
    role(
      config.api.observerRole,
      "Tandem observer",
      "Another observer's Function App: may ask this one to probe a region now, nothing else.",
      ["Application"],
    ),
  ];
}
