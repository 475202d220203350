// An admin links an identity provider's account (issuer + subject) to an
// existing user (docs/security.md#identity-oidc): the only way an OIDC sign-in reaches
// an account that was not created by it. The link and its audit event commit
// in one transaction.
import { z } from "zod";
import type { AuditEventInput, AuditRecord } from "../audit/types";
import type { StoreTransaction } from "../audit/ports";
import { AppError } from "../errors";
import { parseInput } from "../parse-input";
import { canonicalIssuer } from "./oidc-sign-in";
import type { OidcIdentityRecord, OidcIdentityStore } from "./oidc-ports";

export const ZLinkOidcIdentityInput = z.strictObject({
  /** The `sub` claim, as the refused sign-in's audit event (session.sign_in_refused) records it. */
  subject: z.string().min(1).max(255),
  /** Defaults to OIDC_ISSUER; when given, it must be that issuer. */
  issuer: z.url().max(500).optional(),
});
export type LinkOidcIdentityInput = z.input<typeof ZLinkOidcIdentityInput>;

export interface OidcIdentityAdminDeps {
  oidcIdentities: OidcIdentityStore;
  audit: { appendInTransaction(tx: StoreTransaction, inputs: AuditEventInput[]): Promise<AuditRecord[]>; committed(records: AuditRecord[]): void };
  /** OIDC_ISSUER; null when OIDC is not configured. */
  configuredIssuer: string | null;
  now: Date;
}

export async function linkOidcIdentity(deps: OidcIdentityAdminDeps, userId: string, input: LinkOidcIdentityInput, actor: string): Promise<OidcIdentityRecord> {
  const { subject, issuer: requested } = parseInput(ZLinkOidcIdentityInput, input, "identity link");
  if (!deps.configuredIssuer) throw new AppError("CONFLICT", "OIDC is not configured (OIDC_ISSUER): there is no identity provider to link to", {});
  const issuer = canonicalIssuer(deps.configuredIssuer);
  if (requested !== undefined && canonicalIssuer(requested) !== issuer) {
    throw new AppError("VALIDATION_FAILED", `issuer must be the configured OIDC issuer ${issuer}`, { issuer: requested, configured: issuer });
  }
  const existing = await deps.oidcIdentities.findIdentity(issuer, subject);
  if (existing) {
    const whose = existing.userId === userId ? "this user" : `user ${existing.userId}`;
    throw new AppError("CONFLICT", `This identity is already linked to ${whose}; unlink it first to move it`, { identityId: existing.id, userId: existing.userId });
  }
  let records: AuditRecord[] = [];
  const identity = await deps.oidcIdentities.transact(async (tx) => {
    const user = await deps.oidcIdentities.lockUser(tx, userId);
    if (!user) throw new AppError("NOT_FOUND", `No user ${userId}`, { userId });
    const linked = await deps.oidcIdentities.insertIdentity(tx, { userId, issuer, subject, linkedAt: deps.now, linkedBy: actor });
    records = await deps.audit.appendInTransaction(tx, [
      { category: "MANUAL_INTERVENTION", severity: "WARNING", actor, action: "user.identity_linked", payload: { userId, email: user.email, identityId: linked.id, issuer, subject } },
    ]);
    return linked;
  });
  deps.audit.committed(records);
  return identity;
}
