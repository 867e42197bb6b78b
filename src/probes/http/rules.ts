// Rules across an http probe's fields, read from the file as written so that they run even when
// a field has the wrong type: every problem is reported at once.
import { SECRET_REF_PATTERN } from "../../config/fields.js";
import type { RawProbe, ReportProblem } from "../types.js";

const SENSITIVE_HEADER =
  /auth|cookie|key|token|secret|password|passwd|credential|signature|session/i;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export function checkHttpProbe(probe: RawProbe, report: ReportProblem): void {
  const headers = isRecord(probe["headers"]) ? probe["headers"] : {};
  for (const [name, value] of Object.entries(headers)) {
    if (SENSITIVE_HEADER.test(name) && typeof value === "string" && !SECRET_REF_PATTERN.test(value))
      report(
        ["headers", name],
        'carries a credential: give a secret reference such as "env:SETTING_NAME", not the value',
      );
  }
  const body = isRecord(probe["body"]) ? probe["body"] : undefined;
  if (probe["method"] === "HEAD" && probe["body"] !== undefined)
    report(["body"], "cannot be checked: a HEAD answer has no body (use GET)");
  const matches = body?.["matches"];
  if (typeof matches === "string") {
    try {
      new RegExp(matches);
    } catch (error) {
      report(["body", "matches"], `is not a valid regular expression: ${(error as Error).message}`);
    }
  }
  const statuses = Array.isArray(probe["expectStatus"]) ? probe["expectStatus"] : [];
  statuses.forEach((spec: unknown, i) => {
    const range = typeof spec === "string" ? /^(\d{3})-(\d{3})$/.exec(spec) : null;
    if (range && Number(range[1]) > Number(range[2]))
      report(["expectStatus", i], `the range ${spec} is empty: put the lower status first`);
  });
}
