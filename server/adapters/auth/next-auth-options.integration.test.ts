// The sign-in rules next-auth runs, against the real identity store: email and
// password checked against the bcrypt hash (a disabled user refused), OIDC
// people found by their linked identity (issuer + subject) and, when the
// allow-list admits them, created with the configured role (the whole OIDC flow
// against a provider: oidc-sign-in.integration.test.ts); the session cookie
// carries only the store's user id, and the session shows the role read fresh
// from the store.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Account, User } from "next-auth";
import type { CredentialsConfig } from "next-auth/providers/credentials";
import { getLogger } from "../../logger";
import { auditFixture } from "../../testing/audit";
import { openTestStore, type TestStore } from "../../testing/stores";
import { PostgresIdentityStore } from "../postgres/identity-store";
import { PostgresOidcIdentityStore } from "../postgres/oidc-identity-store";
import { BcryptPasswordHasher } from "./bcrypt-password-hasher";
import { buildAuthOptions } from "./next-auth-options";

let testStore: TestStore;
let identities: PostgresIdentityStore;
let audit: ReturnType<typeof auditFixture>;
const hasher = new BcryptPasswordHasher(4);

beforeAll(async () => {
  testStore = await openTestStore("postgres", "auth_options");
  identities = new PostgresIdentityStore(testStore.db);
  audit = auditFixture(testStore.db);
  await identities.saveUser({ email: "sre@example.com", name: "Sam SRE", role: "APPROVER", passwordHash: await hasher.hash("correct horse battery") }, "insert");
});
afterAll(async () => {
  audit?.cleanup();
  await testStore?.close();
});

const options = () =>
  buildAuthOptions({
    identities,
    hasher,
    audit: audit.log,
    secret: "x".repeat(40),
    oidc: { issuer: "https://sso.example.com", clientId: "interlock", clientSecret: "s3cret", defaultRole: "OPERATOR", allowList: { domains: ["example.com"], groups: [], groupsClaim: "groups" } },
    oidcIdentities: { store: new PostgresOidcIdentityStore(testStore.db), audit: audit.log },
    log: getLogger(),
  });

describe("next-auth options", () => {
  it("signs in with the right password only, and never a disabled user", async () => {
    const credentials = options().providers.find((p) => p.id === "credentials") as unknown as CredentialsConfig;
    const authorize = (email: string, password: string) => credentials.options!.authorize!({ email, password } as never, {} as never);
    expect(await authorize("SRE@example.com", "correct horse battery")).toMatchObject({ email: "sre@example.com", name: "Sam SRE" });
    expect(await authorize("sre@example.com", "wrong")).toBeNull();
    expect(await authorize("nobody@example.com", "correct horse battery")).toBeNull();
    await testStore.db.query("UPDATE users SET disabled_at = now() WHERE email = 'sre@example.com'");
    expect(await authorize("sre@example.com", "correct horse battery")).toBeNull();
    await testStore.db.query("UPDATE users SET disabled_at = NULL WHERE email = 'sre@example.com'");
  });

  it("offers OIDC when configured, creates a first-time OIDC user with the default role, and keeps only the user id and its session epoch in the token", async () => {
    const opts = options();
    expect(opts.providers.map((p) => p.id)).toEqual(["credentials", "oidc"]);
    const account = { provider: "oidc", type: "oauth", providerAccountId: "sub-1" } as Account;
    const profile = { iss: "https://sso.example.com", sub: "sub-1", email: "New.Person@Example.com", email_verified: true, name: "New Person" };
    const signInAs = () => ({ id: "sub-1", email: "new.person@example.com", name: "New Person" }) as User;
    const user = signInAs();
    expect(await opts.callbacks!.signIn!({ user, account, profile } as never)).toBe(true);
    const created = await identities.findUserByEmail("new.person@example.com");
    expect(created).toMatchObject({ role: "OPERATOR", passwordHash: null });
    expect(user.id).toBe(created!.id);

    const token = await opts.callbacks!.jwt!({ token: {}, user, account } as never);
    expect(token).toEqual({ uid: created!.id, epoch: 0 });
    const session = await opts.callbacks!.session!({ session: { expires: "" }, token } as never);
    expect(session).toMatchObject({ user: { email: "new.person@example.com", role: "OPERATOR" } });

    await testStore.db.query("UPDATE users SET role = 'ADMIN' WHERE id = $1", [created!.id]);
    expect(await opts.callbacks!.session!({ session: { expires: "" }, token } as never)).toMatchObject({ user: { role: "ADMIN" } });

    await testStore.db.query("UPDATE users SET disabled_at = now() WHERE id = $1", [created!.id]);
    expect(await opts.callbacks!.signIn!({ user: signInAs(), account, profile } as never)).toBe("/signin?error=OidcAccountDisabled");
    await audit.log.settle();
    const provisioned = await audit.store.query({ action: "user.provisioned", limit: 5 });
    expect(provisioned.events).toHaveLength(1);
  });

  it("records a sign-in under ACCESS: it is not a person acting on production (MANUAL_INTERVENTION)", async () => {
    const opts = options();
    await opts.events!.signIn!({ user: { id: "u-1", email: "sre@example.com" }, account: { provider: "credentials", type: "credentials", providerAccountId: "u-1" } } as never);
    await audit.log.settle();
    const events = (await audit.store.query({ action: "session.signed_in", limit: 5 })).events;
    expect(events.map((e) => [e.category, e.actor, e.payload])).toEqual([["ACCESS", "sre@example.com", { provider: "credentials" }]]);
  });
});
