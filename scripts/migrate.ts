// `npm run db:migrate`: applies prisma/migrations to the configured store and exits,
// as the owner role (DATABASE_MIGRATION_URL) when set, else as DATABASE_URL's role.
import { databaseConfigFromEnv, openDatabase } from "../server/adapters/postgres/database";
import { applyMigrationsAs } from "../server/adapters/postgres/migrate";
import { loadConfigOrExit } from "./lib/config";

const env = loadConfigOrExit();
const db = await openDatabase({ ...databaseConfigFromEnv(env), ...(env.DATABASE_URL ? { poolSize: 2 } : {}) });
try {
  const report = await applyMigrationsAs(db, env.DATABASE_MIGRATION_URL);
  console.log(`${db.location}: applied ${report.applied.length} migration(s)${report.applied.length ? ` (${report.applied.join(", ")})` : ""}; ${report.alreadyApplied} already applied${env.DATABASE_MIGRATION_URL ? " (as DATABASE_MIGRATION_URL's role)" : ""}`);
} finally {
  await db.close();
}
