// Certificates made at run time for loopback TLS: a private CA and certificates it issues (valid,
// expired, for another name), for probe tests and the sandbox's HTTPS servers. Nothing is written
// to disk. Uses @peculiar/x509 (a dev dependency, like Azurite) with Node's WebCrypto; ECDSA P-256
// keys, which are quick to make.
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY = 86_400_000;

export interface Issued {
  /** PEM of the certificate. */
  readonly cert: string;
  /** PEM (PKCS#8) of its private key. */
  readonly key: string;
}

export interface CertificateAuthority extends Issued {
  issue(options: IssueOptions): Promise<Issued>;
}

export interface IssueOptions {
  /** DNS names and IP addresses the certificate is for. */
  readonly names: readonly string[];
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

let serial = 1;
const nextSerial = () => (serial++).toString(16).padStart(2, "0");
const isIp = (name: string) => /^[\d.]+$/.test(name) || name.includes(":");

async function keyPair(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, [
    "sign",
    "verify",
  ])) as webcrypto.CryptoKeyPair;
}

async function pemKey(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey("pkcs8", key), "PRIVATE KEY");
}

export async function createCertificateAuthority(
  name = "Tandem test CA",
  validity: { notBefore?: Date; notAfter?: Date } = {},
): Promise<CertificateAuthority> {
  const keys = await keyPair();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: nextSerial(),
    name: `CN=${name}`,
    notBefore: validity.notBefore ?? new Date(Date.now() - DAY),
    notAfter: validity.notAfter ?? new Date(Date.now() + 365 * DAY),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
    ],
  });
  const key = await pemKey(keys.privateKey);
  return {
    cert: ca.toString("pem"),
    key,
    issue: async (options) => {
      const leafKeys = await keyPair();
      const leaf = await x509.X509CertificateGenerator.create({
        serialNumber: nextSerial(),
        subject: `CN=${options.names[0] ?? "localhost"}`,
        issuer: ca.subject,
        notBefore: options.notBefore ?? new Date(Date.now() - DAY),
        notAfter: options.notAfter ?? new Date(Date.now() + 90 * DAY),
        signingKey: keys.privateKey,
        publicKey: leafKeys.publicKey,
        signingAlgorithm: ALGORITHM,
        extensions: [
          new x509.SubjectAlternativeNameExtension(
            options.names.map((n) =>
              isIp(n) ? { type: "ip", value: n } : { type: "dns", value: n },
            ),
          ),
          new x509.BasicConstraintsExtension(false),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        ],
      });
      return { cert: leaf.toString("pem"), key: await pemKey(leafKeys.privateKey) };
    },
  };
}
