// Field types shared by the configuration schema. Each carries the message a person sees when
// the value is wrong, phrased as the fix.
import * as z from "zod";

export const SECRET_REF_PATTERN = /^env:[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A secret is never written in the config file: it names an app setting (`env:NAME`), which in
 * Azure may itself be a Key Vault reference. The error never echoes the value it rejects.
 */
export const secretRef = z
  .string({ error: 'must be a secret reference such as "env:SETTING_NAME"' })
  .regex(
    SECRET_REF_PATTERN,
    'must be a secret reference such as "env:SETTING_NAME"; inline secrets are not allowed ' +
      "(put the value in an app setting or a Key Vault reference and name that setting here)",
  );

function isHttpUrl(value: string, httpsOnly: boolean): boolean {
  try {
    const url = new URL(value);
    return httpsOnly
      ? url.protocol === "https:"
      : url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

export function hasCredentials(value: string): boolean {
  try {
    const url = new URL(value);
    return url.username !== "" || url.password !== "";
  } catch {
    return false;
  }
}

export const httpUrl = z
  .string({ error: "must be an absolute https or http URL" })
  .refine((v) => isHttpUrl(v, false), "must be an absolute https or http URL")
  .refine(
    (v) => !hasCredentials(v),
    "must not contain a user name or password; put credentials in a secret reference",
  );

export const httpsUrl = z
  .string({ error: "must be an absolute https URL" })
  .refine((v) => isHttpUrl(v, true), "must be an absolute https URL");

/** Azure region names and Tandem's own names: lower case, digits and hyphens, starting with a letter. */
export const name = (what: string) =>
  z
    .string({ error: `must be a ${what} name` })
    .regex(
      /^[a-z][a-z0-9-]{0,62}$/,
      `must be a ${what} name of lower-case letters, digits and hyphens, starting with a letter (at most 63 characters)`,
    );

const RESOURCE_ID = (provider: string, type: string) =>
  new RegExp(
    `^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[-\\w._()]+/providers/${provider.replace(".", "\\.")}/${type}/[-\\w.]+$`,
    "i",
  );

export const resourceId = (provider: string, type: string) =>
  z
    .string({ error: `must be an Azure resource ID of a ${provider}/${type} resource` })
    .regex(
      RESOURCE_ID(provider, type),
      `must be an Azure resource ID like /subscriptions/<subscription-guid>/resourceGroups/<group>/providers/${provider}/${type}/<name>`,
    );

export const seconds = (what: string, min: number, max: number) =>
  z
    .number()
    .min(min, `must be at least ${min} s (${what})`)
    .max(max, `must be at most ${max} s (${what})`);

export const count = (min: number, max: number) => z.number().int().min(min).max(max);
