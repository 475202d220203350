// A real deployment refuses to start while an account still signs in with a
// password published in the README (docs/security.md#defaults-that-keep-a-fresh-install-safe):
// demo users made by an earlier start with INTERLOCK_DEMO_USERS outlive the flag.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BcryptPasswordHasher } from "./adapters/auth/bcrypt-password-hasher";
import { PostgresIdentityStore } from "./adapters/postgres/identity-store";
import { accountsWithPublishedPasswords } from "./core/identity/published-passwords";
import { seedDemoUsers } from "./core/identity/seed-demo-users";
import { openTestStore, type TestStore } from "./testing/stores";

let store: TestStore;
const hasher = new BcryptPasswordHasher();

beforeAll(async () => {
  store = await openTestStore("postgres", "published_passwords");
});
afterAll(async () => {
  await store?.close();
});

describe("accounts with published passwords", () => {
  it("finds each enabled demo account still on its README password, and none once changed or disabled", async () => {
    const identities = new PostgresIdentityStore(store.db);
    expect(await accountsWithPublishedPasswords({ identities, hasher })).toEqual([]);
    await seedDemoUsers({ identities, hasher });
    expect((await accountsWithPublishedPasswords({ identities, hasher })).sort()).toEqual(["admin@interlock.local", "approver@interlock.local", "operator@interlock.local", "viewer@interlock.local"]);

    await store.db.query("UPDATE users SET password_hash = $1 WHERE email = 'admin@interlock.local'", [await hasher.hash("a-new-password-nobody-published")]);
    await store.db.query("UPDATE users SET disabled_at = now() WHERE email = 'viewer@interlock.local'");
    await store.db.query("UPDATE users SET password_hash = NULL WHERE email = 'approver@interlock.local'");
    expect(await accountsWithPublishedPasswords({ identities, hasher })).toEqual(["operator@interlock.local"]);
  });

  it("stops the server's start-up on DATABASE_URL, naming the accounts left and the fix", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "interlock-published-"));
    Object.assign(process.env, {
      DATABASE_URL: store.url!,
      INTERLOCK_DATA_DIR: dataDir,
      AUTH_SECRET: "published-test-secret-0123456789abcdefghijklmno",
      AUTH_URL: "http://127.0.0.1:3000",
      INTERLOCK_DEMO_USERS: "false",
      INTERLOCK_INSECURE_DEMO_USERS: "false",
      ORCHESTRATOR_WORKER: "false",
      AUDIT_VERIFY_INTERVAL_MINUTES: "0",
      LOG_LEVEL: "silent",
    });
    const { getContainer, disposeContainer } = await import("./container");
    const error = await getContainer().then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toContain("enabled accounts whose passwords are published in the README (operator@interlock.local)");
    expect(error?.message).toContain("npm run user:create");
    await disposeContainer();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});
