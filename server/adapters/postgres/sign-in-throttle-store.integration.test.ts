// Sign-in throttle counters in the store's table: on Postgres with two
// connection pools standing in for two replicas, and on PGlite (one process).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestStore, type TestStore } from "../../testing/stores";
import { describeSignInThrottleStore } from "../../testing/sign-in-throttle-contract";
import { openDatabase, type Database } from "./database";
import { PostgresSignInThrottleStore } from "./sign-in-throttle-store";

let postgres: TestStore;
let second: Database;
let pglite: TestStore;

beforeAll(async () => {
  postgres = await openTestStore("postgres", "sign_in_throttle");
  second = await openDatabase({ kind: "postgres", url: postgres.url!, poolSize: 4 });
  pglite = await openTestStore("pglite", "sign_in_throttle");
});
afterAll(async () => {
  await second?.close();
  await postgres?.close();
  await pglite?.close();
});

describeSignInThrottleStore("Postgres", () => ({ a: new PostgresSignInThrottleStore(postgres.db), b: new PostgresSignInThrottleStore(second) }));
describeSignInThrottleStore("PGlite", () => ({ a: new PostgresSignInThrottleStore(pglite.db), b: new PostgresSignInThrottleStore(pglite.db) }));

describe("the table store", () => {
  it("keeps the SHA-256 of each key, never the email typed, and removes expired rows", async () => {
    const store = new PostgresSignInThrottleStore(postgres.db);
    const now = Date.now();
    await store.hit("account:typed-secret@example.com", now, 60_000);
    const rows = await postgres.db.query<{ key: string }>("SELECT key FROM sign_in_throttle");
    expect(rows.some((r) => r.key.includes("typed-secret"))).toBe(false);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.key))).toBe(true);
    expect(await store.purgeExpired(now + 60_000 + 20 * 60_000)).toBeGreaterThan(0);
    expect(await postgres.db.query("SELECT 1 FROM sign_in_throttle")).toEqual([]);
  });
});
