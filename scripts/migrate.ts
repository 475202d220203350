// `npm run db:migrate`: applies prisma/migrations to the configured store and exits.
import nextEnv from "@next/env";
import path from "node:path";
import { openDatabase } from "../server/adapters/prisma/database";
import { applyMigrations } from "../server/adapters/prisma/migrate";
import { parseEnv } from "../server/env";

nextEnv.loadEnvConfig(path.resolve(import.meta.dirname, ".."), false, { info: () => {}, error: console.error });
const env = parseEnv(process.env);
const db = await openDatabase(env.DATABASE_URL ? { kind: "postgres", url: env.DATABASE_URL, poolSize: 2 } : { kind: "pglite", dataDir: env.pgliteDir });
try {
  const report = await applyMigrations(db);
  console.log(`${db.location}: applied ${report.applied.length} migration(s) ${report.applied.join(", ")}; ${report.alreadyApplied} already applied`);
} finally {
  await db.close();
}
