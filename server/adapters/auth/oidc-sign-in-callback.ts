import "server-only";
import type { Account, Profile, User } from "next-auth";
import type { OidcIdentityStore } from "../../core/identity/oidc-ports";
import type { OidcRefusalReason } from "../../core/identity/oidc-sign-in";
import { signInWithOidc, type OidcSignInDeps } from "../../core/identity/sign-in-with-oidc";
import type { Logger } from "../../logger";
import type { OidcSignInErrorCode } from "@/lib/oidc-sign-in-errors";
import type { OidcConfig } from "./oidc-provider";

// next-auth's signIn callback for the OIDC provider (docs/security.md#identity-oidc):
// the person is who signInWithOidc says, found by (issuer, subject). On success
// the next-auth user becomes the store's user, so the jwt callback (which keeps
// `user.id`) signs in that user and no other; a refusal sends the browser back
// to the sign-in page with a reason it can show.

const ERROR_CODES: Record<OidcRefusalReason, OidcSignInErrorCode> = {
  email_not_verified: "OidcEmailNotVerified",
  link_required: "OidcLinkRequired",
  not_allowed: "OidcNotAllowed",
  account_disabled: "OidcAccountDisabled",
  invalid_claims: "OidcInvalidToken",
  wrong_issuer: "OidcInvalidToken",
};

export interface OidcSignInCallbackDeps {
  identities: OidcSignInDeps["identities"];
  oidcIdentities: OidcIdentityStore;
  audit: OidcSignInDeps["audit"];
  oidc: OidcConfig;
  log: Logger;
  now?: () => Date;
}

export async function oidcSignInCallback(deps: OidcSignInCallbackDeps, params: { user: User; account: Account | null; profile?: Profile }): Promise<true | string> {
  const claims = (params.profile ?? {}) as Record<string, unknown>;
  const result = await signInWithOidc(
    { identities: deps.identities, oidcIdentities: deps.oidcIdentities, audit: deps.audit, now: deps.now?.() ?? new Date() },
    { issuer: deps.oidc.issuer, allowList: deps.oidc.allowList, defaultRole: deps.oidc.defaultRole, ...(deps.oidc.groupMapping ? { groupMapping: deps.oidc.groupMapping } : {}) },
    claims,
  );
  if (!result.ok) {
    deps.log.warn({ reason: result.reason, subject: typeof claims.sub === "string" ? claims.sub.slice(0, 255) : null }, "OIDC sign-in refused");
    return `/signin?error=${ERROR_CODES[result.reason]}`;
  }
  params.user.id = result.user.id;
  params.user.email = result.user.email;
  params.user.name = result.user.name;
  return true;
}
