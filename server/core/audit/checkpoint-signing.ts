import crypto, { type KeyObject } from "node:crypto";
import { canonicalJson } from "./canonical-hash";
import type { AuditCheckpoint } from "./types";

// Checkpoints are signed with Ed25519 so that a copy of the head kept outside
// the database cannot be forged by someone who can write the database.

export interface CheckpointSigner {
  keyId: string;
  sign(unsigned: Omit<AuditCheckpoint, "signature" | "keyId">): AuditCheckpoint;
  /** Whether a checkpoint carries a valid signature of this signer's key (one read back from the table, say). */
  verify(checkpoint: AuditCheckpoint): boolean;
}

/** A short, stable name for a public key: the first 16 hex digits of the SHA-256 of its DER form. */
export function keyIdOf(publicKey: KeyObject): string {
  return crypto.createHash("sha256").update(publicKey.export({ type: "spki", format: "der" })).digest("hex").slice(0, 16);
}

function signedBytes(checkpoint: Omit<AuditCheckpoint, "signature">): Buffer {
  return Buffer.from(canonicalJson({ seq: checkpoint.seq, hash: checkpoint.hash, count: checkpoint.count, at: checkpoint.at, keyId: checkpoint.keyId }), "utf8");
}

export function createCheckpointSigner(privateKey: KeyObject): CheckpointSigner {
  const publicKey = crypto.createPublicKey(privateKey);
  const keyId = keyIdOf(publicKey);
  return {
    keyId,
    verify: (checkpoint) => checkpointSignatureValid(checkpoint, publicKey),
    sign(unsigned) {
      const body = { ...unsigned, keyId };
      return { ...body, signature: crypto.sign(null, signedBytes(body), privateKey).toString("base64") };
    },
  };
}

export function checkpointSignatureValid(checkpoint: AuditCheckpoint, publicKey: KeyObject): boolean {
  if (checkpoint.keyId !== keyIdOf(publicKey)) return false;
  try {
    return crypto.verify(null, signedBytes(checkpoint), publicKey, Buffer.from(checkpoint.signature, "base64"));
  } catch {
    return false;
  }
}
