import "server-only";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import type { AuditEventInput } from "../../core/audit/types";
import type { IdentityStore, PasswordHasher } from "../../core/identity/ports";
import { userActor } from "../../core/identity/principal";
import type { Role } from "../../core/identity/roles";
import { verifyCredentials } from "../../core/identity/verify-credentials";
import type { Logger } from "../../logger";
import { authRedirect } from "@/lib/callback-url";

// Sign-in for people (automation uses API tokens). next-auth v4 with JWT
// sessions: the cookie carries only the user id; every API request reads the
// user again (server/http/authenticate.ts), so a role change or a disabled
// account takes effect at once instead of when the cookie expires.

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  defaultRole: Role;
}

export interface AuthDeps {
  identities: IdentityStore;
  hasher: PasswordHasher;
  audit: { append(input: AuditEventInput): Promise<unknown> };
  secret: string;
  oidc: OidcConfig | null;
  log: Logger;
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
        return { id: principal.userId, email: principal.email, name: principal.name };
      },
    }),
  ];
  if (deps.oidc) {
    const oidc = deps.oidc;
    providers.push({
      id: "oidc",
      name: "Single sign-on",
      type: "oauth",
      wellKnown: `${oidc.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`,
      clientId: oidc.clientId,
      clientSecret: oidc.clientSecret,
      authorization: { params: { scope: "openid email profile" } },
      idToken: true,
      checks: ["pkce", "state"],
      profile(profile: { sub: string; email?: string; name?: string }) {
        return { id: profile.sub, email: profile.email ?? null, name: profile.name ?? profile.email ?? profile.sub };
      },
    });
  }

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
      // OIDC people are matched to a store user by email; the first sign-in creates
      // one with OIDC_DEFAULT_ROLE (an admin raises it), a disabled user is refused.
      async signIn({ user, account }) {
        if (account?.provider !== "oidc") return true;
        const email = typeof user.email === "string" ? userActor(user.email) : null;
        if (!email) return false;
        const existing = await deps.identities.findUserByEmail(email);
        if (existing) return !existing.disabledAt;
        const created = await deps.identities.saveUser({ email, name: user.name ?? email, role: oidc(deps).defaultRole, passwordHash: null }, "insert");
        await deps.audit.append({ category: "MANUAL_INTERVENTION", severity: "WARNING", actor: email, action: "user.provisioned", payload: { userId: created.id, email, role: created.role, provider: "oidc" } });
        return true;
      },
      async jwt({ token, user, account }) {
        if (user) {
          const stored = account?.provider === "oidc" && user.email ? await deps.identities.findUserByEmail(userActor(user.email)) : null;
          token.uid = stored?.id ?? user.id;
        }
        return token;
      },
      async session({ session, token }) {
        const uid = typeof token.uid === "string" ? token.uid : null;
        const user = uid ? await deps.identities.findUserById(uid) : null;
        return { ...session, user: user && !user.disabledAt ? { name: user.name, email: user.email, role: user.role, id: user.id } : undefined } as typeof session;
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

function oidc(deps: AuthDeps): OidcConfig {
  if (!deps.oidc) throw new Error("OIDC is not configured");
  return deps.oidc;
}
