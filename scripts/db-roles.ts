// `npm run db:roles -- [--runtime-role <name>] [--dry-run]`
//
// Makes the runtime role the server connects as (DATABASE_URL) on a Postgres
// store, connected as the owner role migrations run as (DATABASE_MIGRATION_URL,
// else DATABASE_URL): applies any pending migration, creates the role when it
// is missing (LOGIN, with DATABASE_URL's password when it carries one), grants
// it the working tables, only SELECT and INSERT on the audit chain and its
// checkpoints, no DDL, and the same on tables later migrations create
// (docs/security.md#the-audit-chain-against-the-databases-own-users).
// Safe to run again after every upgrade. --dry-run prints the statements only.
import { parseArgs } from "node:util";
import { auditRewriteRights, grantRuntimeRole, runtimeGrantStatements } from "../server/adapters/postgres/audit-privileges";
import { openDatabase } from "../server/adapters/postgres/database";
import { applyMigrations } from "../server/adapters/postgres/migrate";
import { loadConfigOrExit } from "./lib/config";

const usage = "usage: npm run db:roles -- [--runtime-role <name>] [--dry-run]   (connects with DATABASE_MIGRATION_URL, else DATABASE_URL)";
let args: { "runtime-role"?: string; "dry-run"?: boolean };
try {
  args = parseArgs({ options: { "runtime-role": { type: "string" }, "dry-run": { type: "boolean" } } }).values;
} catch (error) {
  console.error(`${(error as Error).message}\n${usage}`);
  process.exit(2);
}
const env = loadConfigOrExit();
const ownerUrl = env.DATABASE_MIGRATION_URL ?? env.DATABASE_URL;
if (!ownerUrl) {
  console.error(`The embedded store has no database roles: set DATABASE_URL (and DATABASE_MIGRATION_URL for the owner role).\n${usage}`);
  process.exit(2);
}
const runtimeUrl = env.DATABASE_MIGRATION_URL && env.DATABASE_URL ? new URL(env.DATABASE_URL) : null;
const role = args["runtime-role"] ?? (runtimeUrl ? decodeURIComponent(runtimeUrl.username) : undefined);
if (!role) {
  console.error(`Name the runtime role (--runtime-role), or set DATABASE_URL to the runtime role's URL and DATABASE_MIGRATION_URL to the owner's.\n${usage}`);
  process.exit(2);
}
const password = runtimeUrl && decodeURIComponent(runtimeUrl.username) === role && runtimeUrl.password ? decodeURIComponent(runtimeUrl.password) : undefined;

if (args["dry-run"]) {
  const statements = runtimeGrantStatements({ role, owner: "<owner role>", schema: "<current schema>", database: "<database>", roleExists: false, ...(password ? { password: "<from DATABASE_URL>" } : {}) });
  console.log(statements.map((s) => `${s};`).join("\n"));
  process.exit(0);
}

const owner = await openDatabase({ kind: "postgres", url: ownerUrl, poolSize: 1 });
try {
  const migrated = await applyMigrations(owner);
  if (migrated.applied.length) console.log(`applied ${migrated.applied.length} migration(s) first`);
  const { created } = await grantRuntimeRole(owner, { role, ...(password ? { password } : {}) });
  console.log(`${owner.location}: ${created ? "created" : "updated"} the runtime role ${role}: SELECT and INSERT only on the audit chain and its checkpoints, no DDL; read-write on the working tables (now and for tables later migrations add).`);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  const hint = /permission denied to create role/.test(message) ? `\n${role} does not exist and this role may not create roles: have a role with CREATEROLE run CREATE ROLE "${role}" LOGIN PASSWORD '…', then run db:roles again` : "";
  console.error(`db:roles failed: ${message}${hint}`);
  process.exitCode = 1;
} finally {
  await owner.close();
}

// When DATABASE_URL is the runtime role's own URL, show what the server will find.
if (process.exitCode !== 1 && runtimeUrl && decodeURIComponent(runtimeUrl.username) === role) {
  const runtime = await openDatabase({ kind: "postgres", url: env.DATABASE_URL!, poolSize: 1 });
  try {
    const problems = await auditRewriteRights(runtime);
    console.log(problems.length ? `still wrong for ${role}: ${problems.join("; ")}` : `checked as ${role}: it cannot change or delete audit events or checkpoints, nor change the schema`);
    if (problems.length) process.exitCode = 1;
  } finally {
    await runtime.close();
  }
}
