import "server-only";
import path from "node:path";

/**
 * Where the audit checkpoints and the signing key are, judged for a real
 * deployment (docs/security.md#the-audit-chain-against-the-databases-own-users):
 * the checkpoint file is the evidence someone with the database's credentials
 * cannot reach, and the key is what makes it unforgeable, so neither belongs
 * in one directory with the other, nor left at its default. Warnings, not
 * refusals: on one machine (the embedded store) both live in the data directory
 * by design, and on Postgres a start-up must not fail over a path that may be
 * a separate mount.
 */
export function auditPlacementWarnings(env: {
  store: "postgres" | "pglite";
  auditCheckpointFile: string;
  auditKeyFile: string;
  AUDIT_SIGNING_KEY?: string | undefined;
  AUDIT_CHECKPOINT_FILE?: string | undefined;
}): string[] {
  if (env.store !== "postgres") return [];
  const warnings: string[] = [];
  if (!env.AUDIT_SIGNING_KEY && path.dirname(env.auditKeyFile) === path.dirname(env.auditCheckpointFile)) {
    warnings.push(
      `the audit signing key (${env.auditKeyFile}) and the checkpoint file (${env.auditCheckpointFile}) are in the same directory: whoever can write it can rewrite the checkpoints and sign them again. ` +
        "Set AUDIT_SIGNING_KEY from your secret store and AUDIT_CHECKPOINT_FILE to storage the database host cannot write (docs/operations.md#keys-and-files)",
    );
  } else if (!env.AUDIT_CHECKPOINT_FILE) {
    warnings.push(`AUDIT_CHECKPOINT_FILE is unset: checkpoints go to ${env.auditCheckpointFile}; point it at storage the database host cannot write (docs/operations.md#keys-and-files)`);
  }
  return warnings;
}
