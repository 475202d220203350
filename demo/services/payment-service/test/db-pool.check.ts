// The order database pool's own check (run with tsx; exits non-zero on failure).
import assert from "node:assert/strict";
import { pool, withConnection } from "../src/db-pool";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  // Happy path: one query.
  assert.equal(await withConnection((connection) => connection.query("SELECT 1")), 8);
  assert.equal(pool.inUse, 0);

  // Checkout peak: 25 orders at once, each holding its connection for 300 ms
  // (longer than the 200 ms a caller may wait for one). Every order must get a connection.
  const results = await Promise.allSettled(
    Array.from({ length: 25 }, (_, i) =>
      withConnection(async (connection) => {
        await sleep(300);
        return connection.query(`INSERT INTO orders VALUES (${i})`);
      }),
    ),
  );
  const failed = results.filter((result) => result.status === "rejected");
  assert.equal(failed.length, 0, `${failed.length} of 25 orders could not get a connection`);
  assert.equal(pool.inUse, 0);
}

main().then(
  () => console.log("db-pool.check: ok"),
  (error: unknown) => {
    console.error("db-pool.check: FAILED\n", error);
    process.exitCode = 1;
  },
);
