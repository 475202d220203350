import "server-only";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import type { AuditEventInput } from "../../core/audit/types";
import type { IdentityStore, PasswordHasher } from "../../core/identity/ports";
import { userActor } from "../../core/identity/principal";
import { principalOfSession, verifyCredentials } from "../../core/identity/verify-credentials";
import type { Logger } from "../../logger";
import { authRedirect } from "@/lib/callback-url";
import type { OidcIdentityStore } from "../../core/identity/oidc-ports";
import type { OidcSignInDeps } from "../../core/identity/sign-in-with-oidc";
import { oidcProvider, type OidcConfig } from "./oidc-provider";
import { oidcSignInCallback } from "./oidc-sign-in-callback";

// Sign-in for people (automation uses API tokens). next-auth v4 with JWT
// sessions: the cookie carries only the user id and the account's session
// epoch; every API request reads the user again (server/http/authenticate.ts),
// so a role change or a disabled account takes effect at once instead of when
// the cookie expires, and signs out the sessions signed in before it.

export type { OidcConfig } from "./oidc-provider";

export interface AuthDeps {
  identities: IdentityStore;
  hasher: PasswordHasher;
  audit: { append(input: AuditEventInput): Promise<unknown> };
  secret: string;
  oidc: OidcConfig | null;
  /** Linked OIDC identities and the audit log they are written with (docs/security.md#identity-oidc); required when `oidc` is set. */
  oidcIdentities?: { store: OidcIdentityStore; audit: OidcSignInDeps["audit"] };
  log: Logger;
  /**
   * Sign-in throttling (docs/security.md#sign-in-abuse): attempts are counted and
   * refused by the route before next-auth runs; a success here clears the account's count.
   */
  signInAttempts?: { recordSuccess(email: string): Promise<void> };
}

export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

export function buildAuthOptions(deps: AuthDeps): NextAuthOptions {
  const providers: NextAuthOptions["providers"] = [
    CredentialsProvider({
      id: "credentials",
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(credentials) {
        const principal = await verifyCredentials(deps, credentials?.email ?? "", credentials?.password ?? "");
        if (!principal || principal.kind !== "user") {
          deps.log.warn({ email: String(credentials?.email ?? "").slice(0, 320) }, "sign-in refused: invalid credentials");
          return null;
        }
        await deps.signInAttempts?.recordSuccess(credentials?.email ?? "");
        return { id: principal.userId, email: principal.email, name: principal.name };
      },
    }),
  ];
  if (deps.oidc) providers.push(oidcProvider(deps.oidc));

  return {
    secret: deps.secret,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    pages: { signIn: "/signin", error: "/signin" },
    providers,
    callbacks: {
      // After sign-in or sign-out, only a path of this console: never ?callbackUrl=https://evil.example or //evil.example.
      async redirect(params) {
        return authRedirect(params);
      },
      // OIDC people are found by (issuer, subject), never by email; a verified email
      // of an existing user needs an admin's link; new accounts only for the
      // allow-list (docs/security.md#identity-oidc). On success `user` is the store's user.
      async signIn({ user, account, profile }) {
        if (account?.provider !== "oidc") return true;
        if (!deps.oidc || !deps.oidcIdentities) throw new Error("OIDC is not configured");
        return oidcSignInCallback({ identities: deps.identities, oidcIdentities: deps.oidcIdentities.store, audit: deps.oidcIdentities.audit, oidc: deps.oidc, log: deps.log }, { user, account, profile });
      },
      async jwt({ token, user, account }) {
        if (user) {
          // The store's user id: the signIn callback has already resolved an OIDC person to it (never by email).
          token.uid = user.id;
          // …and the account's session epoch at sign-in: a later disable, enable or role change
          // raises it and signs this session out (docs/security.md#offboarding-users-sessions-and-tokens).
          token.epoch = (await deps.identities.findUserById(user.id))?.sessionEpoch ?? null;
        }
        return token;
      },
      // The check every API request makes (principalOfSession): no user for a session of a
      // disabled account, or one signed in before the account last changed.
      async session({ session, token }) {
        const check = await principalOfSession(deps, token);
        const user = check.ok ? check.principal : null;
        return { ...session, user: user ? { name: user.name, email: user.email, role: user.role, id: user.userId } : undefined } as typeof session;
      },
    },
    events: {
      async signIn({ user, account }) {
        // ACCESS, not MANUAL_INTERVENTION: signing in changes nothing (docs/spec/audit.md#categories).
        await deps.audit.append({ category: "ACCESS", severity: "INFO", actor: user.email ? userActor(user.email) : String(user.id), action: "session.signed_in", payload: { provider: account?.provider ?? "unknown" } });
      },
    },
    logger: {
      error: (code, metadata) => deps.log.error({ code, metadata }, "next-auth error"),
      warn: (code) => deps.log.warn({ code }, "next-auth warning"),
      debug: () => {},
    },
  };
}

