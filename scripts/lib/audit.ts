// The audit log for the command-line tools, built exactly as the server builds it.
import os from "node:os";
import type { Database } from "../../server/adapters/postgres/database";
import { buildAudit } from "../../server/container";
import type { Env } from "../../server/env";
import { getLogger } from "../../server/logger";
import { openScriptDatabase } from "./database";

export function auditFor(env: Env, db: Database) {
  return buildAudit(env, db, getLogger());
}

export async function openAudit(env: Env) {
  const db = await openScriptDatabase(env);
  return { db, ...auditFor(env, db) };
}

/** Who ran a command, for the audit trail: the operating-system user. */
export function cliActor(): string {
  return `cli:${os.userInfo().username}`;
}
