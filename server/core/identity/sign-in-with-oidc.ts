// One OIDC sign-in (docs/security.md#identity-oidc): reads the claims, loads the link and
// the users the rule needs, and carries out decideOidcSignIn's answer. A refusal
// is an ACCESS event at WARNING; a created account, its identity link and its
// audit event commit in one transaction.
import type { AuditEventInput, AuditRecord, JsonValue } from "../audit/types";
import type { StoreTransaction } from "../audit/ports";
import { AppError } from "../errors";
import { decideOidcSignIn, readOidcClaims, type OidcAllowList, type OidcRefusalReason } from "./oidc-sign-in";
import type { OidcIdentityStore, OidcUser } from "./oidc-ports";
import type { IdentityStore } from "./ports";
import type { Role } from "./roles";
import { applyUserChange } from "./change-user";
import { groupSync, type GroupMapping } from "./oidc-group-mapping";

export interface OidcSignInDeps {
  identities: Pick<IdentityStore, "findUserByEmail" | "findUserById"> & Partial<Pick<IdentityStore, "changeUsers" | "userForChange" | "countEnabledAdmins" | "updateUser" | "revokeTokensCreatedBy">>;
  oidcIdentities: OidcIdentityStore;
  audit: {
    append(input: AuditEventInput): Promise<unknown>;
    appendInTransaction(tx: StoreTransaction, inputs: AuditEventInput[]): Promise<AuditRecord[]>;
    committed(records: AuditRecord[]): void;
  };
  now: Date;
}

export interface OidcSignInSettings {
  /** OIDC_ISSUER. */
  issuer: string;
  allowList: OidcAllowList;
  /** OIDC_DEFAULT_ROLE: the role of an account the allow-list creates. */
  defaultRole: Role;
  /** OIDC_GROUP_ROLES and OIDC_GROUP_TEAMS (null: teams are not taken from groups): applied at every sign-in (docs/approvals.md#teams-from-oidc-groups). */
  groupMapping?: { roles: readonly GroupMapping<Role>[]; teams: readonly GroupMapping<string>[] | null };
}

/** Who changed a user's role or teams from their groups claim, in the audit trail. */
export const OIDC_GROUPS_ACTOR = "oidc-groups";

export type OidcSignInResult = { ok: true; user: OidcUser; created: boolean } | { ok: false; reason: OidcRefusalReason; message: string };

/** Who linked an identity the allow-list created with its account. */
export const OIDC_PROVISIONING_ACTOR = "oidc-provisioning";

export async function signInWithOidc(deps: OidcSignInDeps, settings: OidcSignInSettings, claims: Record<string, unknown>): Promise<OidcSignInResult> {
  const reading = readOidcClaims(claims, settings.issuer, settings.allowList.groupsClaim);
  const seen = { issuer: typeof claims.iss === "string" ? claims.iss.slice(0, 500) : null, emailVerified: typeof claims.email_verified === "boolean" ? claims.email_verified : null };
  if (!reading.ok) {
    return refuse(deps, reading.reason, reading.message, { ...seen, subject: reading.subject, email: reading.email, userId: null });
  }
  const { person } = reading;
  // A second attempt only when a concurrent sign-in of the same person created the account first.
  for (let attempt = 0; ; attempt++) {
    const link = await deps.oidcIdentities.findIdentity(person.issuer, person.subject);
    const linkedUser = link ? await deps.identities.findUserById(link.userId) : null;
    const userWithEmail = link ? null : await deps.identities.findUserByEmail(person.email);
    const decision = decideOidcSignIn({ person, link, linkedUser, userWithEmail, allowList: settings.allowList, defaultRole: settings.defaultRole, now: deps.now });
    if (decision.kind === "sign_in") return { ok: true, user: await syncFromGroups(deps, settings, person.groups, linkedUser!.id, linkedUser!), created: false };
    if (decision.kind === "refuse") {
      return refuse(deps, decision.reason, decision.message, { ...seen, issuer: person.issuer, subject: person.subject, email: person.email, userId: decision.userId });
    }
    try {
      let records: AuditRecord[] = [];
      const user = await deps.oidcIdentities.transact(async (tx) => {
        const created = await deps.oidcIdentities.insertUser(tx, { email: decision.email, name: decision.name, role: decision.role });
        const identity = await deps.oidcIdentities.insertIdentity(tx, { userId: created.id, issuer: decision.issuer, subject: decision.subject, linkedAt: decision.linkedAt, linkedBy: OIDC_PROVISIONING_ACTOR });
        records = await deps.audit.appendInTransaction(tx, [
          {
            category: "MANUAL_INTERVENTION",
            severity: "WARNING",
            actor: decision.email,
            action: "user.provisioned",
            payload: { userId: created.id, email: created.email, role: created.role, provider: "oidc", issuer: decision.issuer, subject: decision.subject, identityId: identity.id, admittedBy: decision.admittedBy },
          },
        ]);
        return created;
      });
      deps.audit.committed(records);
      return { ok: true, user: await syncFromGroups(deps, settings, person.groups, user.id, user), created: true };
    } catch (error) {
      if (attempt === 0 && error instanceof AppError && error.code === "CONFLICT") continue;
      throw error;
    }
  }
}

async function refuse(
  deps: OidcSignInDeps,
  reason: OidcRefusalReason,
  message: string,
  seen: { issuer: string | null; subject: string | null; email: string | null; emailVerified: boolean | null; userId: string | null },
): Promise<OidcSignInResult> {
  // The actor is the provider's subject, not the email: an unverified or unlinked email is not that person.
  const payload: { [key: string]: JsonValue } = { provider: "oidc", reason, message, ...seen };
  await deps.audit.append({ category: "ACCESS", severity: "WARNING", actor: `oidc:${seen.subject ?? "unknown"}`, action: "session.sign_in_refused", payload });
  return { ok: false, reason, message };
}

/**
 * Sets the user's role (the highest mapped; unchanged when no group maps) and
 * teams (exactly the mapped ones, when a team mapping is configured) from the
 * groups claim, through the same change as an admin's (audited, a role change
 * signs other sessions out and revokes the user's tokens). The last enabled
 * admin is not demoted this way: the role then stays and the teams still change.
 */
async function syncFromGroups(deps: OidcSignInDeps, settings: OidcSignInSettings, groups: string[], userId: string, signedIn: OidcUser): Promise<OidcUser> {
  const ids = deps.identities;
  if (!settings.groupMapping || !ids.changeUsers || !ids.userForChange) return signedIn;
  const mapping = settings.groupMapping;
  const attempt = async (keepRole: boolean) => {
    let records: AuditRecord[] = [];
    const user = await ids.changeUsers!(async (tx) => {
      const current = await ids.userForChange!(tx, { id: userId });
      if (!current) return null;
      const change = groupSync(groups, current, mapping);
      if (!change || (keepRole && !change.teams)) return current;
      const applied = await applyUserChange(ids as IdentityStore, tx, current, keepRole ? { teams: change.teams } : change, { actor: OIDC_GROUPS_ACTOR, personId: null, reason: `groups claim at OIDC sign-in: ${groups.join(", ") || "(none)"}`, now: deps.now });
      if (applied.events.length > 0) records = await deps.audit.appendInTransaction(tx, applied.events);
      return applied.user;
    });
    deps.audit.committed(records);
    return user;
  };
  try {
    return (await attempt(false)) ?? signedIn;
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== "CONFLICT") throw error;
    return (await attempt(true)) ?? signedIn;
  }
}
