// A database's schema as sorted lines of text (tables, columns with type,
// nullability and default, enums, indexes, constraints), read from Postgres's own
// catalog, so two databases can be compared line by line.
import type { SqlExecutor } from "../adapters/postgres/database";

const IGNORED_TABLES = ["_prisma_migrations"];

export async function describeCatalog(db: SqlExecutor): Promise<string[]> {
  const lines: string[] = [];
  const columns = await db.query<{ table_name: string; column_name: string; data_type: string; udt_name: string; is_nullable: string; column_default: string | null; datetime_precision: number | null }>(
    `SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default, datetime_precision
       FROM information_schema.columns WHERE table_schema = 'public'`,
  );
  for (const c of columns) {
    if (IGNORED_TABLES.includes(c.table_name)) continue;
    const type = c.data_type === "USER-DEFINED" || c.data_type === "ARRAY" ? `${c.data_type}:${c.udt_name}` : c.data_type;
    const precision = c.datetime_precision !== null && c.data_type.startsWith("timestamp") ? `(${c.datetime_precision})` : "";
    lines.push(`column ${c.table_name}.${c.column_name} ${type}${precision} ${c.is_nullable === "YES" ? "NULL" : "NOT NULL"} default=${c.column_default ?? "none"}`);
  }
  const enums = await db.query<{ name: string; labels: string }>(
    `SELECT t.typname AS name, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) AS labels
       FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = 'public' GROUP BY t.typname`,
  );
  for (const e of enums) lines.push(`enum ${e.name} (${e.labels})`);
  const indexes = await db.query<{ tablename: string; indexdef: string }>(`SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'`);
  for (const i of indexes) if (!IGNORED_TABLES.includes(i.tablename)) lines.push(`index ${i.indexdef}`);
  const constraints = await db.query<{ table_name: string; conname: string; def: string }>(
    `SELECT c.conrelid::regclass::text AS table_name, c.conname, pg_get_constraintdef(c.oid) AS def
       FROM pg_constraint c WHERE c.connamespace = 'public'::regnamespace AND c.contype IN ('p', 'u', 'f', 'c')`,
  );
  for (const c of constraints) if (!IGNORED_TABLES.includes(c.table_name.replace(/"/g, ""))) lines.push(`constraint ${c.table_name} ${c.conname} ${c.def}`);
  return lines.sort();
}

/** Lines present on one side only, labelled with the side. Empty when the catalogs match. */
export function diffCatalogs(left: { label: string; lines: string[] }, right: { label: string; lines: string[] }): string[] {
  const l = new Set(left.lines);
  const r = new Set(right.lines);
  return [...left.lines.filter((x) => !r.has(x)).map((x) => `only in ${left.label}: ${x}`), ...right.lines.filter((x) => !l.has(x)).map((x) => `only in ${right.label}: ${x}`)];
}
