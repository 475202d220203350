// An admin removes an identity link (docs/security.md#identity-oidc): that provider
// account no longer signs in as the user (sessions already open end with the
// session rules). The removal and its audit event commit in one transaction.
import type { AuditRecord } from "../audit/types";
import { AppError } from "../errors";
import type { OidcIdentityAdminDeps } from "./link-oidc-identity";
import type { OidcIdentityRecord } from "./oidc-ports";

export async function unlinkOidcIdentity(deps: Pick<OidcIdentityAdminDeps, "oidcIdentities" | "audit">, userId: string, identityId: string, actor: string): Promise<OidcIdentityRecord> {
  let records: AuditRecord[] = [];
  const removed = await deps.oidcIdentities.transact(async (tx) => {
    const user = await deps.oidcIdentities.lockUser(tx, userId);
    if (!user) throw new AppError("NOT_FOUND", `No user ${userId}`, { userId });
    const deleted = await deps.oidcIdentities.deleteIdentity(tx, userId, identityId);
    if (!deleted) throw new AppError("NOT_FOUND", `User ${userId} has no identity link ${identityId}`, { userId, identityId });
    records = await deps.audit.appendInTransaction(tx, [
      { category: "MANUAL_INTERVENTION", severity: "WARNING", actor, action: "user.identity_unlinked", payload: { userId, email: user.email, identityId, issuer: deleted.issuer, subject: deleted.subject } },
    ]);
    return deleted;
  });
  deps.audit.committed(records);
  return removed;
}
