import "server-only";
import crypto, { type KeyObject } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * The Ed25519 key that signs audit checkpoints: AUDIT_SIGNING_KEY (PEM, or
 * base64 of the PKCS#8 DER) when set, else a key generated once and kept in the
 * data directory (mode 0600). Replicas that share a database must share the key.
 */
export function loadAuditSigningKey(options: { configured: string | undefined; keyFile: string }): KeyObject {
  if (options.configured) return parsePrivateKey(options.configured, "AUDIT_SIGNING_KEY");
  try {
    return parsePrivateKey(fs.readFileSync(options.keyFile, "utf8"), options.keyFile);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  fs.mkdirSync(path.dirname(options.keyFile), { recursive: true });
  const { privateKey } = crypto.generateKeyPairSync("ed25519");
  try {
    fs.writeFileSync(options.keyFile, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600, flag: "wx" });
    return privateKey;
  } catch (error) {
    // Another process generated it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return parsePrivateKey(fs.readFileSync(options.keyFile, "utf8"), options.keyFile);
    throw error;
  }
}

function parsePrivateKey(text: string, source: string): KeyObject {
  let key: KeyObject;
  try {
    key = text.includes("-----BEGIN")
      ? crypto.createPrivateKey(text)
      : crypto.createPrivateKey({ key: Buffer.from(text.trim(), "base64"), format: "der", type: "pkcs8" });
  } catch {
    throw new Error(`${source} is not a readable private key (expected an Ed25519 key as PEM or base64 PKCS#8)`);
  }
  if (key.asymmetricKeyType !== "ed25519") throw new Error(`${source} is a ${key.asymmetricKeyType} key; audit checkpoints need an Ed25519 key`);
  return key;
}

/** A public key from PEM text (for verifying an export offline). */
export function parsePublicKey(text: string, source: string): KeyObject {
  try {
    const key = crypto.createPublicKey(text);
    if (key.asymmetricKeyType !== "ed25519") throw new Error("not ed25519");
    return key;
  } catch {
    throw new Error(`${source} is not an Ed25519 public key in PEM form`);
  }
}
