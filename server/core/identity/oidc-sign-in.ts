// Who an OIDC sign-in is, decided from the identity provider's claims and what
// the store holds (docs/security.md#identity-oidc). Pure: the caller loads the link and
// the users, and carries out the answer.
//
// The rule, in order:
//  1. The ID token must be from the configured issuer, name a subject, and say
//     `email_verified: true` for a well-formed email. An email the provider has
//     not verified is only a string the person typed.
//  2. A person is found by (issuer, subject), never by email: a linked identity
//     signs in as its user, whatever email the provider now reports.
//  3. An unlinked identity whose email belongs to an existing user is refused
//     until an admin links it (POST /api/v1/users/{id}/identities): otherwise
//     anyone who can get that email into an ID token owns the account.
//  4. A new person gets an account only if the allow-list admits them (email
//     domain or group); with no allow-list, OIDC creates no accounts at all.
import type { OidcIdentityRecord, OidcUser } from "./oidc-ports";
import { userActor } from "./principal";
import type { Role } from "./roles";

export interface OidcAllowList {
  /** Email domains (lower case) whose people get an account on first sign-in. */
  domains: readonly string[];
  /** Groups whose members get an account on first sign-in. */
  groups: readonly string[];
  /** The claim that lists the person's groups. */
  groupsClaim: string;
}

export type OidcRefusalReason = "invalid_claims" | "wrong_issuer" | "email_not_verified" | "account_disabled" | "link_required" | "not_allowed";

/** The claims the decision reads, checked. */
export interface OidcPerson {
  issuer: string;
  subject: string;
  email: string;
  name: string;
  groups: string[];
}

export type OidcClaimsReading = { ok: true; person: OidcPerson } | { ok: false; reason: OidcRefusalReason; message: string; subject: string | null; email: string | null };

export type OidcSignInDecision =
  | { kind: "sign_in"; userId: string; identityId: string }
  | { kind: "create"; email: string; name: string; role: Role; issuer: string; subject: string; linkedAt: Date; admittedBy: "domain" | "group" }
  | { kind: "refuse"; reason: OidcRefusalReason; message: string; userId: string | null };

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/**
 * Issuers compare without trailing slashes: `https://sso.example.com/` and
 * `https://sso.example.com` are the same provider (OIDC_ISSUER may be written
 * either way; the ID token's `iss` has already been checked against discovery).
 */
export function canonicalIssuer(issuer: string): string {
  return issuer.trim().replace(/\/+$/, "");
}

/** Checks the claims of one sign-in (ID token, completed by userinfo) against the configured issuer. */
export function readOidcClaims(claims: Record<string, unknown>, configuredIssuer: string, groupsClaim: string): OidcClaimsReading {
  const subject = typeof claims.sub === "string" && claims.sub.length > 0 && claims.sub.length <= 255 ? claims.sub : null;
  const rawEmail = typeof claims.email === "string" ? claims.email.slice(0, 320) : null;
  const refuse = (reason: OidcRefusalReason, message: string): OidcClaimsReading => ({ ok: false, reason, message, subject, email: rawEmail });
  if (!subject) return refuse("invalid_claims", "The identity provider's token has no usable subject (sub)");
  if (typeof claims.iss !== "string" || canonicalIssuer(claims.iss) !== canonicalIssuer(configuredIssuer)) {
    return refuse("wrong_issuer", "The identity provider's token is not from the configured issuer");
  }
  if (claims.email_verified !== true) return refuse("email_not_verified", "The identity provider has not verified this email address");
  if (!rawEmail || !EMAIL.test(rawEmail.trim())) return refuse("invalid_claims", "The identity provider's token has no usable email address");
  const email = userActor(rawEmail);
  const name = typeof claims.name === "string" && claims.name.trim() ? claims.name.trim().slice(0, 200) : email;
  return { ok: true, person: { issuer: canonicalIssuer(claims.iss), subject, email, name, groups: readGroups(claims, groupsClaim) } };
}

/** The groups claim as a list of strings: an array of strings, or one string. */
export function readGroups(claims: Record<string, unknown>, groupsClaim: string): string[] {
  const value = claims[groupsClaim];
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === "string");
  return [];
}

export function decideOidcSignIn(input: {
  person: OidcPerson;
  /** The link for (person.issuer, person.subject), if any, and its user. */
  link: OidcIdentityRecord | null;
  linkedUser: OidcUser | null;
  /** The user whose email is person.email, if any. */
  userWithEmail: OidcUser | null;
  allowList: OidcAllowList;
  defaultRole: Role;
  now: Date;
}): OidcSignInDecision {
  const { person, link, linkedUser, userWithEmail, allowList } = input;
  if (link) {
    if (!linkedUser || linkedUser.id !== link.userId) return { kind: "refuse", reason: "invalid_claims", message: "This identity is linked to a user that no longer exists", userId: null };
    if (linkedUser.disabledAt) return { kind: "refuse", reason: "account_disabled", message: "This account is disabled", userId: linkedUser.id };
    return { kind: "sign_in", userId: linkedUser.id, identityId: link.id };
  }
  if (userWithEmail) {
    return { kind: "refuse", reason: "link_required", message: "An account with this email already exists; an administrator must link this identity to it", userId: userWithEmail.id };
  }
  const domain = person.email.slice(person.email.lastIndexOf("@") + 1);
  const admittedBy = allowList.domains.includes(domain) ? "domain" : person.groups.some((g) => allowList.groups.includes(g)) ? "group" : null;
  if (!admittedBy) {
    const message =
      allowList.domains.length || allowList.groups.length
        ? "This identity has no account, and its email domain and groups are not among those that get one"
        : "This identity has no account; accounts are created by an administrator";
    return { kind: "refuse", reason: "not_allowed", message, userId: null };
  }
  return { kind: "create", email: person.email, name: person.name, role: input.defaultRole, issuer: person.issuer, subject: person.subject, linkedAt: input.now, admittedBy };
}
