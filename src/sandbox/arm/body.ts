// Request bodies as ARM's resource providers check them: the members a definition has, integers
// in range, `Enabled`/`Disabled`; each refusal is the 400 a service answers, naming the member.
import { ArmReply } from "./kit.js";

/** An integer member within [min, max], or ARM's 400 naming it. */
export function integer(
  value: unknown,
  field: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    throw new ArmReply(
      400,
      "BadRequest",
      `The value of '${field}' is invalid: ${JSON.stringify(value)}. It must be an integer between ${min} and ${max}.`,
    );
  return value;
}

/** The object, if it has only these keys; ARM's deserialisation error otherwise. */
export function onlyKeys(
  value: unknown,
  allowed: ReadonlySet<string>,
  where: string,
): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new ArmReply(400, "InvalidRequestContent", `${where} must be a JSON object.`);
  for (const key of Object.keys(value))
    if (!allowed.has(key))
      throw new ArmReply(
        400,
        "InvalidRequestContent",
        `The request content was invalid: could not find member '${key}' on ${where}.`,
      );
  return value as Record<string, unknown>;
}

/** An `Enabled`/`Disabled` member, or ARM's 400 naming it. */
export function enabledState(value: unknown, field: string): "Enabled" | "Disabled" | undefined {
  if (value === undefined || value === "Enabled" || value === "Disabled") return value;
  throw new ArmReply(
    400,
    "BadRequest",
    `The value of '${field}' is invalid: ${JSON.stringify(value)}. Allowed: Enabled, Disabled.`,
  );
}
