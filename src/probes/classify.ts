// Every probe failure gets a kind that alerts and telemetry can act on, and a short message.
import type { ProbeError } from "../core/observation.js";

type FailureKind =
  | "dns"
  | "connect-refused"
  | "connect-timeout"
  | "tls-handshake"
  | "tls-certificate"
  | "http-status"
  | "body-mismatch"
  | "too-slow"
  | "reset"
  | "timeout"
  | "aborted"
  | "error";

const CERTIFICATE: Record<string, string> = {
  CERT_HAS_EXPIRED: "the certificate has expired",
  CERT_NOT_YET_VALID: "the certificate is not valid yet",
  ERR_TLS_CERT_ALTNAME_INVALID: "the certificate is not for this host name",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the certificate is self-signed and not trusted",
  SELF_SIGNED_CERT_IN_CHAIN: "the certificate chain ends in an untrusted self-signed CA",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the certificate is signed by a CA that is not trusted",
  UNABLE_TO_GET_ISSUER_CERT: "the certificate's issuer is not trusted",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the certificate's issuer is not trusted",
  CERT_UNTRUSTED: "the certificate is not trusted",
  CERT_REVOKED: "the certificate is revoked",
  CERT_SIGNATURE_FAILURE: "the certificate's signature does not verify",
};

const NETWORK: Record<string, FailureKind> = {
  ENOTFOUND: "dns",
  EAI_AGAIN: "dns",
  ENODATA: "dns",
  EAI_FAIL: "dns",
  ECONNREFUSED: "connect-refused",
  EHOSTUNREACH: "connect-refused",
  ENETUNREACH: "connect-refused",
  ETIMEDOUT: "connect-timeout",
  ECONNRESET: "reset",
  EPIPE: "reset",
  ECONNABORTED: "reset",
};

export function failure(kind: FailureKind, message: string): ProbeError {
  return { kind, message };
}

/** Classifies an error raised by a socket, a TLS handshake or an HTTP request. */
export function classifyError(error: unknown, host: string): ProbeError {
  const e = error as { code?: unknown; message?: unknown; reason?: unknown };
  const code = typeof e.code === "string" ? e.code : "";
  const message = typeof e.message === "string" ? e.message : String(error);
  if (CERTIFICATE[code]) {
    const why =
      code === "ERR_TLS_CERT_ALTNAME_INVALID" && typeof e.reason === "string"
        ? `: ${e.reason}`
        : "";
    return failure("tls-certificate", `${CERTIFICATE[code]} (${code})${why}`);
  }
  const network = NETWORK[code];
  if (network === "dns") return failure("dns", `${host} does not resolve (${code})`);
  if (network) return failure(network, `${message.split("\n")[0]}`);
  if (code.startsWith("ERR_SSL") || code === "EPROTO" || /SSL|TLS|handshake/i.test(message))
    return failure("tls-handshake", `the TLS handshake failed: ${message.split("\n")[0]}`);
  if (code === "HPE_INVALID_CONSTANT" || code.startsWith("HPE_"))
    return failure("error", `the answer is not valid HTTP (${code})`);
  return failure("error", message.split("\n")[0] ?? "unknown error");
}
