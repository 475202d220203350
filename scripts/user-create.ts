// `npm run user:create -- --email <email> --name <name> --role <role> [--reset]`
// Creates a user who signs in with a password, read from standard input (so it
// is never in the shell history): `read -rs PW; printf %s "$PW" | npm run user:create -- …`.
// Without a password on stdin the user can sign in only through OIDC. This is
// how a production store (DATABASE_URL) gets its first admin. `--reset` saves
// an existing user again (a new role counts as a role change: sessions signed
// out, their API tokens revoked) but never enables a disabled one: an admin
// does that in the console or with PATCH /api/v1/users/{id}.
import { parseArgs } from "node:util";
import { isAppError } from "../server/core/errors";
import { saveUser } from "../server/core/identity/save-user";
import { PostgresIdentityStore } from "../server/adapters/postgres/identity-store";
import { BcryptPasswordHasher } from "../server/adapters/auth/bcrypt-password-hasher";
import { auditFor, cliActor } from "./lib/audit";
import { loadConfigOrExit } from "./lib/config";
import { openScriptDatabase } from "./lib/database";

const USAGE = "usage: printf %s \"$PASSWORD\" | npm run user:create -- --email <email> --name <name> --role <viewer|operator|approver|admin> [--reset]";
let values: { email?: string; name?: string; role?: string; reset?: boolean };
try {
  ({ values } = parseArgs({ options: { email: { type: "string" }, name: { type: "string" }, role: { type: "string" }, reset: { type: "boolean" } }, strict: true }));
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  process.exit(2);
}
if (!values.email || !values.name || !values.role) {
  console.error(USAGE);
  process.exit(2);
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return "";
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

const password = await readStdin();
const env = loadConfigOrExit();
const db = await openScriptDatabase(env);
const audit = auditFor(env, db);
try {
  const user = await saveUser(
    { identities: new PostgresIdentityStore(db), hasher: new BcryptPasswordHasher(), audit: audit.log, now: new Date() },
    { email: values.email, name: values.name, role: values.role.toUpperCase() as never, ...(password ? { password } : {}) },
    { actor: cliActor(), mode: values.reset ? "upsert" : "insert" },
  );
  await audit.log.settle();
  console.log(`${values.reset ? "Saved" : "Created"} user ${user.email} (role ${user.role.toLowerCase()}, ${password ? "signs in with a password" : "signs in through OIDC only"}).`);
} catch (error) {
  console.error(isAppError(error) ? `Cannot create the user: ${error.message}` : error);
  process.exitCode = 1;
} finally {
  await db.close();
}
