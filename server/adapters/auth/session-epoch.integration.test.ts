// The console's view of a session (next-auth's jwt and session callbacks, which
// server/http/console-session.ts reads through getServerSession): the cookie
// records the account's session epoch at sign-in, and a session signed in
// before the account was disabled, enabled or given another role shows no
// user, so the console's pages send the person to sign in, as the API answers 401.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JWT } from "next-auth/jwt";
import { changeUser } from "../../core/identity/change-user";
import { getLogger } from "../../logger";
import { auditFixture } from "../../testing/audit";
import { openTestStore, type TestStore } from "../../testing/stores";
import { PostgresIdentityStore } from "../postgres/identity-store";
import { BcryptPasswordHasher } from "./bcrypt-password-hasher";
import { buildAuthOptions } from "./next-auth-options";

let testStore: TestStore;
let identities: PostgresIdentityStore;
let audit: ReturnType<typeof auditFixture>;

beforeAll(async () => {
  testStore = await openTestStore("postgres", "session_epoch");
  identities = new PostgresIdentityStore(testStore.db);
  audit = auditFixture(testStore.db);
  await identities.saveUser({ email: "boss@example.com", name: "Boss", role: "ADMIN", passwordHash: null }, "insert");
  await identities.saveUser({ email: "sre@example.com", name: "Sam SRE", role: "APPROVER", passwordHash: null }, "insert");
});
afterAll(async () => {
  audit?.cleanup();
  await testStore?.close();
});

describe("a console session and the account's session epoch", () => {
  const options = () => buildAuthOptions({ identities, hasher: new BcryptPasswordHasher(4), audit: audit.log, secret: "x".repeat(40), oidc: null, log: getLogger() });
  const signIn = async (userId: string) => (await options().callbacks!.jwt!({ token: {}, user: { id: userId }, account: { provider: "credentials", type: "credentials", providerAccountId: userId } } as never)) as JWT;
  const sessionOf = async (token: JWT) => ((await options().callbacks!.session!({ session: { expires: "" }, token } as never)) as { user?: { email: string; role: string } }).user;
  const change = (id: string, body: { disabled?: boolean; role?: "OPERATOR" }) => changeUser({ identities, audit: audit.log, now: new Date() }, id, { ...body, reason: "test" }, { actor: "boss@example.com", personId: null });

  it("signs out a session once the account changes, and a new sign-in sees the change", async () => {
    const sre = (await identities.findUserByEmail("sre@example.com"))!;
    const token = await signIn(sre.id);
    expect(token).toMatchObject({ uid: sre.id, epoch: 0 });
    expect(await sessionOf(token)).toMatchObject({ email: "sre@example.com", role: "APPROVER" });

    await change(sre.id, { role: "OPERATOR" });
    expect(await sessionOf(token)).toBeUndefined();
    const again = await signIn(sre.id);
    expect(again).toMatchObject({ epoch: 1 });
    expect(await sessionOf(again)).toMatchObject({ role: "OPERATOR" });

    await change(sre.id, { disabled: true });
    expect(await sessionOf(again)).toBeUndefined();
    await change(sre.id, { disabled: false });
    expect(await sessionOf(again)).toBeUndefined();
    expect(await sessionOf(await signIn(sre.id))).toMatchObject({ email: "sre@example.com" });
  });

  it("shows no user for a cookie without an epoch (signed before epochs existed) or with a forged one", async () => {
    const boss = (await identities.findUserByEmail("boss@example.com"))!;
    expect(await sessionOf({ uid: boss.id })).toBeUndefined();
    expect(await sessionOf({ uid: boss.id, epoch: "0" })).toBeUndefined();
    expect(await sessionOf({ uid: boss.id, epoch: 0 })).toMatchObject({ email: "boss@example.com", role: "ADMIN" });
  });
});
