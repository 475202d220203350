// `npm run user:create` against a real store: it creates users, and with
// --reset saves one again, but never re-enables a disabled user (an admin does
// that in the console or through the API, with a reason in the audit trail);
// a reset that changes the role is a role change like any other.
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresIdentityStore } from "../server/adapters/postgres/identity-store";
import { openDatabase, type Database } from "../server/adapters/postgres/database";
import { applyMigrations } from "../server/adapters/postgres/migrate";
import { hashApiToken } from "../server/core/identity/api-tokens";
import { insertApiToken } from "../server/testing/identity";
import { createTestDatabase, type TestDatabase } from "../server/testing/postgres";

const root = path.resolve(import.meta.dirname, "..");
let testDb: TestDatabase;
let db: Database;
let identities: PostgresIdentityStore;
let dir: string;
let env: Record<string, string>;

function userCreate(args: string[], password = "") {
  return spawnSync(process.execPath, [path.join(root, "node_modules/tsx/dist/cli.mjs"), "--conditions=react-server", "scripts/user-create.ts", ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_ENV: "test", ...env },
    input: password,
    encoding: "utf8",
    timeout: 60_000,
  });
}

beforeAll(async () => {
  testDb = await createTestDatabase("user_create_cli");
  db = await openDatabase({ kind: "postgres", url: testDb.url, poolSize: 2 });
  await applyMigrations(db);
  identities = new PostgresIdentityStore(db);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "interlock-user-create-"));
  const { privateKey } = crypto.generateKeyPairSync("ed25519");
  env = {
    DATABASE_URL: testDb.url,
    INTERLOCK_DATA_DIR: dir,
    AUDIT_SIGNING_KEY: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    AUDIT_CHECKPOINT_FILE: path.join(dir, "checkpoints.jsonl"),
  };
});
afterAll(async () => {
  await db?.close();
  await testDb?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("npm run user:create", () => {
  it("creates a user; --reset does not re-enable them once disabled, and tells the operator how to", async () => {
    const created = userCreate(["--email", "leaver@example.com", "--name", "Lee Leaver", "--role", "admin"], "a long enough password");
    expect(created.status, created.stderr).toBe(0);
    expect(created.stdout).toContain("Created user leaver@example.com");

    const leaver = (await identities.findUserByEmail("leaver@example.com"))!;
    await db.query("UPDATE users SET disabled_at = now() WHERE id = $1", [leaver.id]);
    const reset = userCreate(["--email", "leaver@example.com", "--name", "Lee Leaver", "--role", "admin", "--reset"], "a brand new password");
    expect(reset.status).toBe(1);
    expect(reset.stderr).toMatch(/leaver@example\.com is disabled/);
    expect(reset.stderr).toContain(`PATCH /api/v1/users/${leaver.id}`);
    expect(reset.stderr).toMatch(/console/);
    const after = (await identities.findUserById(leaver.id))!;
    expect(after.disabledAt).not.toBeNull();
    expect(after.passwordHash).toBe(leaver.passwordHash);
  });

  it("treats a reset that changes the role as a role change: sessions signed out, the user's tokens revoked, audited", async () => {
    const rootUser = await identities.saveUser({ email: "root@example.com", name: "Root", role: "ADMIN", passwordHash: null }, "insert");
    const { secret, record: token } = await insertApiToken(identities, { name: "root-bot", createdById: rootUser.id });
    // leaver is disabled: root is the last enabled admin, and a reset may not demote them either.
    const refused = userCreate(["--email", "root@example.com", "--name", "Root", "--role", "operator", "--reset"], "another long password");
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/last enabled admin/);
    await identities.saveUser({ email: "boss@example.com", name: "Boss", role: "ADMIN", passwordHash: null }, "insert");

    const demoted = userCreate(["--email", "root@example.com", "--name", "Root", "--role", "operator", "--reset"], "another long password");
    expect(demoted.status, demoted.stderr).toBe(0);
    expect(await identities.findUserById(rootUser.id)).toMatchObject({ role: "OPERATOR", sessionEpoch: rootUser.sessionEpoch + 1 });
    expect((await identities.findTokenByHash(hashApiToken(secret)))!.revokedAt).not.toBeNull();
    const actions = (await db.query<{ action: string }>("SELECT action FROM audit_events WHERE payload->>'userId' = $1 OR payload->>'tokenId' = $2 ORDER BY seq", [rootUser.id, token.id])).map((r) => r.action);
    expect(actions).toEqual(["user.saved", "user.role_changed", "api_token.revoked"]);
  });
});
