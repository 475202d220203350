import "server-only";
import type { OAuthConfig } from "next-auth/providers/oauth";
import type { OidcAllowList } from "../../core/identity/oidc-sign-in";
import type { Role } from "../../core/identity/roles";
import { parseGroupMapping, parseGroupRoles, type GroupMapping } from "../../core/identity/oidc-group-mapping";

// The OIDC provider next-auth signs people in with (docs/security.md#identity-oidc).
// openid-client checks the ID token (signature from the issuer's JWKS, iss,
// aud, expiry) and the code exchange (PKCE, state); who the person is, is
// decided afterwards from the claims by server/core/identity/oidc-sign-in.ts.

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  defaultRole: Role;
  /** Who gets an account on first sign-in; empty lists: nobody (only linked identities sign in). */
  allowList: OidcAllowList;
  /** OIDC_GROUP_ROLES / OIDC_GROUP_TEAMS (docs/approvals.md#teams-from-oidc-groups). */
  groupMapping?: { roles: GroupMapping<Role>[]; teams: GroupMapping<string>[] | null };
}

/** OIDC_* variables as the auth options take them; null when OIDC is not configured. */
export function oidcConfigFromEnv(env: {
  OIDC_ISSUER?: string;
  OIDC_CLIENT_ID?: string;
  OIDC_CLIENT_SECRET?: string;
  OIDC_DEFAULT_ROLE: Role;
  OIDC_ALLOWED_DOMAINS?: string;
  OIDC_ALLOWED_GROUPS?: string;
  OIDC_GROUPS_CLAIM: string;
  OIDC_GROUP_ROLES?: string;
  OIDC_GROUP_TEAMS?: string;
}): OidcConfig | null {
  if (!env.OIDC_ISSUER || !env.OIDC_CLIENT_ID || !env.OIDC_CLIENT_SECRET) return null;
  const list = (value: string | undefined) => (value ?? "").split(",").map((item) => item.trim()).filter(Boolean);
  return {
    issuer: env.OIDC_ISSUER,
    clientId: env.OIDC_CLIENT_ID,
    clientSecret: env.OIDC_CLIENT_SECRET,
    defaultRole: env.OIDC_DEFAULT_ROLE,
    allowList: { domains: list(env.OIDC_ALLOWED_DOMAINS).map((d) => d.toLowerCase()), groups: list(env.OIDC_ALLOWED_GROUPS), groupsClaim: env.OIDC_GROUPS_CLAIM },
    ...(env.OIDC_GROUP_ROLES || env.OIDC_GROUP_TEAMS
      ? { groupMapping: { roles: parseGroupRoles(env.OIDC_GROUP_ROLES).pairs, teams: env.OIDC_GROUP_TEAMS ? parseGroupMapping(env.OIDC_GROUP_TEAMS).pairs : null } }
      : {}),
  };
}

/** What the start-up log says about OIDC account creation, so nobody has to guess why a new person is refused. */
export function describeOidcProvisioning(config: OidcConfig): string {
  const { domains, groups, groupsClaim } = config.allowList;
  if (!domains.length && !groups.length) return "OIDC sign-in creates no accounts (neither OIDC_ALLOWED_DOMAINS nor OIDC_ALLOWED_GROUPS is set): only identities an admin linked sign in";
  const parts = [domains.length ? `email domains ${domains.join(", ")}` : null, groups.length ? `groups ${groups.join(", ")} (claim ${groupsClaim})` : null].filter(Boolean);
  return `OIDC sign-in creates ${config.defaultRole} accounts for ${parts.join(" and ")}; anyone else needs an account an admin links`;
}

/** What next-auth hands a userinfo request: openid-client's token set and client (only the parts used here). */
interface OpenIdContext {
  tokens: { access_token?: string; claims(): Record<string, unknown> };
  client: { issuer: { metadata: { userinfo_endpoint?: string } }; userinfo(tokens: OpenIdContext["tokens"]): Promise<Record<string, unknown>> };
}

/** The claims that decide a sign-in, which some providers put only in userinfo. */
const USERINFO_CLAIMS = ["email", "email_verified", "name"] as const;

export function oidcProvider(config: OidcConfig): OAuthConfig<Record<string, unknown>> {
  return {
    id: "oidc",
    name: "Single sign-on",
    type: "oauth",
    wellKnown: `${config.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    authorization: { params: { scope: "openid email profile" } },
    idToken: true,
    checks: ["pkce", "state"],
    userinfo: {
      // The ID token's claims, completed from userinfo when it lacks one the
      // decision reads. The ID token wins where both have a claim, and userinfo
      // is used only when its `sub` is the ID token's (OpenID Connect Core §5.3.2).
      async request(context) {
        const { tokens, client } = context as unknown as OpenIdContext;
        const claims = tokens.claims();
        const wanted = [...USERINFO_CLAIMS, ...(config.allowList.groups.length ? [config.allowList.groupsClaim] : [])];
        if (!wanted.some((claim) => claims[claim] === undefined) || !client.issuer.metadata.userinfo_endpoint || !tokens.access_token) return claims;
        const userinfo = await client.userinfo(tokens);
        if (userinfo.sub !== claims.sub) return claims;
        const completed: Record<string, unknown> = { ...claims };
        for (const claim of wanted) if (completed[claim] === undefined && userinfo[claim] !== undefined) completed[claim] = userinfo[claim];
        return completed;
      },
    },
    profile(profile) {
      const sub = String(profile.sub ?? "");
      const email = typeof profile.email === "string" ? profile.email : null;
      return { id: sub, email, name: typeof profile.name === "string" ? profile.name : (email ?? sub) };
    },
  };
}
