// Fresh Postgres databases for integration tests, created on the server named by
// TEST_DATABASE_URL, else DATABASE_URL, else the machine's Postgres. A test that
// needs Postgres fails when it is not there; it never skips.
import crypto from "node:crypto";
import pg from "pg";

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    const where = new URL(ADMIN_URL);
    throw new Error(
      `Integration tests need PostgreSQL at ${where.host} (set TEST_DATABASE_URL to use another server): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = `interlock_test_${label.replace(/[^a-z0-9]/g, "_")}_${crypto.randomBytes(4).toString("hex")}`;
  await admin((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: () => admin(async (client) => void (await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))),
  };
}
