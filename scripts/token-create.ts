// `npm run token:create -- --role <viewer|operator|approver|admin> --name <name> [--expires-in-days N]`
// Issues an API token for automation and prints it as the last line, once: only
// its SHA-256 is stored. Use it as `Authorization: Bearer <token>`. It expires
// after API_TOKEN_DEFAULT_TTL_DAYS unless --expires-in-days says otherwise (at
// most API_TOKEN_MAX_TTL_DAYS). Against the embedded store the server must be
// stopped (PGlite takes one process at a time); with the server running, an
// admin creates tokens in the console.
import { parseArgs } from "node:util";
import { isAppError } from "../server/core/errors";
import { createApiToken } from "../server/core/identity/create-api-token";
import { PostgresIdentityStore } from "../server/adapters/postgres/identity-store";
import { auditFor, cliActor } from "./lib/audit";
import { loadConfigOrExit } from "./lib/config";
import { openScriptDatabase } from "./lib/database";

const USAGE = "usage: npm run token:create -- --role <viewer|operator|approver|admin> --name <name> [--expires-in-days N]";
let values: { role?: string; name?: string; "expires-in-days"?: string };
try {
  ({ values } = parseArgs({ options: { role: { type: "string" }, name: { type: "string" }, "expires-in-days": { type: "string" } }, strict: true }));
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exit(2);
}
if (!values.role || !values.name) {
  console.error(USAGE);
  process.exit(2);
}

const env = loadConfigOrExit();
const db = await openScriptDatabase(env);
const audit = auditFor(env, db);
try {
  const expires = values["expires-in-days"];
  const created = await createApiToken(
    { identities: new PostgresIdentityStore(db), audit: audit.log, now: new Date(), lifetimes: { defaultDays: env.API_TOKEN_DEFAULT_TTL_DAYS, maxDays: env.API_TOKEN_MAX_TTL_DAYS } },
    { name: values.name, role: values.role.toUpperCase() as never, ...(expires !== undefined ? { expiresInDays: Number(expires) } : {}) },
    { userId: null, actor: cliActor() },
  );
  await audit.log.settle();
  const { record } = created;
  console.error(`Created API token ${record.name} (role ${record.role.toLowerCase()}, id ${record.id}, expires ${record.expiresAt?.toISOString() ?? "never"}).`);
  console.error("It is shown once, below; store it now. Send it as: Authorization: Bearer <token>");
  console.log(created.token);
} catch (error) {
  console.error(isAppError(error) ? `Cannot create the token: ${error.message}` : error);
  process.exitCode = 1;
} finally {
  await db.close();
}
