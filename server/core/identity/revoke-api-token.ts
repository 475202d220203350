import type { AuditEventInput } from "../audit/types";
import { AppError } from "../errors";
import type { ApiTokenRecord, IdentityStore } from "./ports";

/**
 * Revocation takes effect on the token's next request: every request looks the
 * token up again (nothing caches a token's validity).
 */
export async function revokeApiToken(
  deps: { identities: IdentityStore; audit: { append(input: AuditEventInput): Promise<unknown> }; now: Date },
  tokenId: string,
  revokedBy: string,
): Promise<ApiTokenRecord> {
  const record = await deps.identities.revokeToken(tokenId, deps.now);
  if (!record) throw new AppError("NOT_FOUND", `API token ${tokenId} does not exist`, { tokenId });
  await deps.audit.append({
    category: "MANUAL_INTERVENTION",
    severity: "WARNING",
    actor: revokedBy,
    action: "api_token.revoked",
    payload: { tokenId: record.id, name: record.name, role: record.role, prefix: record.prefix },
  });
  return record;
}
