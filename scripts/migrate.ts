// `npm run db:migrate`: applies prisma/migrations to the configured store and exits.
import { databaseConfigFromEnv, openDatabase } from "../server/adapters/postgres/database";
import { applyMigrations } from "../server/adapters/postgres/migrate";
import { loadConfigOrExit } from "./lib/config";

const env = loadConfigOrExit();
const db = await openDatabase({ ...databaseConfigFromEnv(env), ...(env.DATABASE_URL ? { poolSize: 2 } : {}) });
try {
  const report = await applyMigrations(db);
  console.log(`${db.location}: applied ${report.applied.length} migration(s)${report.applied.length ? ` (${report.applied.join(", ")})` : ""}; ${report.alreadyApplied} already applied`);
} finally {
  await db.close();
}
