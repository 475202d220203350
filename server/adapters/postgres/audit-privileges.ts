import "server-only";
import type { Database, SqlExecutor } from "./database";

// The least-privilege split of docs/security.md#the-audit-chain-against-the-databases-own-users:
// an owner role runs migrations; the server runs as a runtime role that may read
// and append the audit chain and its checkpoints but not change or delete them,
// and may not change the schema (no trigger can be slipped under the chain).

/** The tables whose rows are written once and never changed. */
export const APPEND_ONLY_TABLES = ["audit_events", "audit_checkpoints"] as const;

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
const quoteLiteral = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * What the connected role could do to the audit chain that the runtime role
 * must not, one sentence each (empty when it is a proper runtime role, and on
 * the embedded store, which has no roles to separate).
 */
export async function auditRewriteRights(db: Database): Promise<string[]> {
  if (db.kind !== "postgres") return [];
  const rows = await db.query<{ role: string; superuser: boolean; tbl: string; owner: string; acts_as_owner: boolean; can_update: boolean; can_delete: boolean; can_truncate: boolean; can_create: boolean }>(
    `SELECT current_user::text AS role, r.rolsuper AS superuser, c.relname::text AS tbl, pg_get_userbyid(c.relowner)::text AS owner,
            pg_has_role(c.relowner, 'USAGE') AS acts_as_owner,
            has_table_privilege(c.oid, 'UPDATE') AS can_update, has_table_privilege(c.oid, 'DELETE') AS can_delete,
            has_table_privilege(c.oid, 'TRUNCATE') AS can_truncate, has_schema_privilege(c.relnamespace, 'CREATE') AS can_create
       FROM pg_class c JOIN pg_roles r ON r.rolname = current_user
      WHERE c.oid IN (to_regclass('audit_events'), to_regclass('audit_checkpoints'))
      ORDER BY c.relname`,
  );
  const problems: string[] = [];
  for (const row of rows) {
    if (row.superuser) {
      problems.push(`the role ${row.role} is a superuser`);
      break;
    }
    if (row.acts_as_owner) problems.push(`the role ${row.role} owns ${row.tbl} (as ${row.owner}): it can alter it, add triggers to it or drop it`);
    const rights = [row.can_update && "UPDATE", row.can_delete && "DELETE", row.can_truncate && "TRUNCATE"].filter(Boolean);
    if (!row.acts_as_owner && rights.length > 0) problems.push(`the role ${row.role} has ${rights.join(", ")} on ${row.tbl}`);
  }
  if (rows[0]?.can_create && !rows[0].superuser) problems.push(`the role ${rows[0].role} may create objects in the schema`);
  return [...new Set(problems)];
}

export interface RuntimeGrantOptions {
  /** The runtime role to create (when missing) and grant. */
  role: string;
  /** Its password, when the script creates it (a role that exists keeps its own). */
  password?: string;
}

/**
 * The statements that make `role` the runtime role of the current database and
 * schema, run by the owner (the role migrations run as): read and write the
 * working tables, only read and append the audit chain and its checkpoints,
 * only read the migrations table, no DDL; tables and sequences the owner
 * creates later get the same rights (default privileges). Idempotent.
 */
export function runtimeGrantStatements(options: RuntimeGrantOptions & { owner: string; schema: string; database: string; roleExists: boolean }): string[] {
  const role = quoteIdent(options.role);
  const owner = quoteIdent(options.owner);
  const schema = quoteIdent(options.schema);
  const appendOnly = APPEND_ONLY_TABLES.map(quoteIdent).join(", ");
  return [
    ...(options.roleExists ? [] : [`CREATE ROLE ${role} LOGIN${options.password ? ` PASSWORD ${quoteLiteral(options.password)}` : ""}`]),
    `GRANT CONNECT ON DATABASE ${quoteIdent(options.database)} TO ${role}`,
    `GRANT USAGE ON SCHEMA ${schema} TO ${role}`,
    // No DDL: neither the role nor PUBLIC (which it belongs to; Postgres before 15 grants CREATE on public to PUBLIC) may create in the schema.
    `REVOKE CREATE ON SCHEMA ${schema} FROM ${role}`,
    `REVOKE CREATE ON SCHEMA ${schema} FROM PUBLIC`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${role}`,
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${schema} TO ${role}`,
    `REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON ${appendOnly} FROM ${role}`,
    `REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON ${appendOnly} FROM PUBLIC`,
    `GRANT SELECT, INSERT ON ${appendOnly} TO ${role}`,
    `REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON "_prisma_migrations" FROM ${role}`,
    `GRANT SELECT ON "_prisma_migrations" TO ${role}`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA ${schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${role}`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA ${schema} GRANT USAGE, SELECT ON SEQUENCES TO ${role}`,
  ];
}

/**
 * Creates (when missing) and grants the runtime role on the database `db` is
 * connected to, as the connected (owner) role, in one transaction. Refuses a
 * role that would defeat the point: the owner itself, a superuser, or a member
 * of the owner role.
 */
export async function grantRuntimeRole(db: Database, options: RuntimeGrantOptions): Promise<{ statements: string[]; created: boolean }> {
  if (db.kind !== "postgres") throw new Error("the embedded store has no database roles: db:roles needs DATABASE_URL (or DATABASE_MIGRATION_URL)");
  return db.withSession(async (session) => {
    const [where] = await session.query<{ owner: string; schema: string; database: string }>(`SELECT current_user::text AS owner, current_schema()::text AS schema, current_database()::text AS database`);
    const [audit] = await session.query<{ owner: string | null }>(`SELECT pg_get_userbyid(c.relowner)::text AS owner FROM pg_class c WHERE c.oid = to_regclass('audit_events')`);
    if (!where || !audit?.owner) throw new Error("the schema is not migrated yet: run npm run db:migrate first (as the owner role)");
    if (audit.owner !== where.owner) throw new Error(`run this as the role that owns the tables (${audit.owner}), not ${where.owner}: default privileges are set for the role that creates tables`);
    if (options.role === where.owner) throw new Error(`${options.role} owns the schema: the runtime role must be another role`);
    const [existing] = await session.query<{ superuser: boolean; member: boolean }>(
      `SELECT r.rolsuper AS superuser, pg_has_role(r.oid, (SELECT oid FROM pg_roles WHERE rolname = current_user), 'USAGE') AS member FROM pg_roles r WHERE r.rolname = $1`,
      [options.role],
    );
    if (existing?.superuser) throw new Error(`${options.role} is a superuser: no grant can keep it from rewriting the audit chain`);
    if (existing?.member) throw new Error(`${options.role} is a member of ${where.owner} (it acts as the owner): revoke that membership first`);
    const statements = runtimeGrantStatements({ ...options, ...where, roleExists: existing !== undefined });
    await session.transaction(async (tx: SqlExecutor) => {
      for (const statement of statements) await tx.query(statement);
    });
    return { statements, created: existing === undefined };
  });
}
