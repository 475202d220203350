import "server-only";
import { chainFieldsOf } from "../../core/audit/canonical-hash";
import { chainRowFromRecord } from "../../core/audit/export-format";
import type { AuditCounts, AuditPage, AuditQuery, AuditStore, ChainWriter, StoreTransaction } from "../../core/audit/ports";
import type { ChainRow } from "../../core/audit/verify-chain";
import type { AuditCategory, AuditCheckpoint, AuditRecord, AuditSeverity, ChainHead, JsonValue } from "../../core/audit/types";
import type { Database, SqlExecutor } from "./database";
import { sqlOf } from "./transactions";

// The audit chain in Postgres (and PGlite). Raw SQL on purpose: appends are the
// hottest write path Interlock has (one multi-row INSERT via unnest, whatever the
// batch size) and verification streams millions of rows; timestamps are read
// as text with microseconds so nothing is rounded on the way.

// Every writer in every process takes this transaction-scoped advisory lock
// before reading the head, so two appends can never link to the same event.
// The unique indexes on seq and prev_hash are the second line of defence.
const CHAIN_LOCK_KEY = 0x61756474; // "audt"

const AT_TEXT = `to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
// Always read through the alias `e` and order by `e.seq`: a bare ORDER BY seq would
// sort by the text alias below (so "9" after "10").
const RECORD_COLUMNS = `e.seq::text AS seq, e.category::text AS category, e.severity::text AS severity, e.actor, e.service, e.operation_id::text AS operation_id,
  e.correlation_id, e.action, e.payload, ${AT_TEXT} AS at, e.prev_hash, e.hash, e.canonical`;

interface RecordRow {
  seq: string;
  category: string;
  severity: string;
  actor: string;
  service: string | null;
  operation_id: string | null;
  correlation_id: string | null;
  action: string;
  payload: unknown;
  at: string;
  prev_hash: string;
  hash: string;
  canonical: string;
}

function toRecord(row: RecordRow): AuditRecord {
  return {
    seq: Number(row.seq),
    category: row.category as AuditCategory,
    severity: row.severity as AuditSeverity,
    actor: row.actor,
    service: row.service,
    operationId: row.operation_id,
    correlationId: row.correlation_id,
    action: row.action,
    // Drivers differ: pg parses jsonb, Prisma's raw path may hand back text.
    payload: (typeof row.payload === "string" ? JSON.parse(row.payload) : row.payload) as Record<string, JsonValue>,
    at: row.at,
    prevHash: row.prev_hash,
    hash: row.hash,
    canonical: row.canonical,
  };
}

async function readHead(sql: SqlExecutor): Promise<ChainHead | null> {
  const rows = await sql.query<{ seq: string; hash: string }>(`SELECT e.seq::text AS seq, e.hash FROM audit_events e ORDER BY e.seq DESC LIMIT 1`);
  return rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash } : null;
}

async function insertRecords(sql: SqlExecutor, records: AuditRecord[]): Promise<void> {
  if (records.length === 0) return;
  const col = <K extends keyof AuditRecord>(key: K) => records.map((r) => r[key]);
  await sql.query(
    `INSERT INTO audit_events (seq, category, severity, actor, service, operation_id, correlation_id, action, payload, canonical, prev_hash, hash, at)
     SELECT * FROM unnest($1::text[]::bigint[], $2::text[]::"AuditCategory"[], $3::text[]::"AuditSeverity"[], $4::text[], $5::text[], $6::text[]::uuid[],
                          $7::text[], $8::text[], $9::text[]::jsonb[], $10::text[], $11::text[], $12::text[], $13::text[]::timestamptz[])`,
    [
      col("seq").map(String),
      col("category"),
      col("severity"),
      col("actor"),
      col("service"),
      col("operationId"),
      col("correlationId"),
      col("action"),
      records.map((r) => JSON.stringify(r.payload)),
      col("canonical"),
      col("prevHash"),
      col("hash"),
      col("at"),
    ],
  );
}

export class PrismaAuditStore implements AuditStore {
  constructor(private readonly db: Database) {}

  async appendUnderLock<T>(tx: StoreTransaction | null, fn: (writer: ChainWriter) => Promise<T>): Promise<T> {
    const run = async (sql: SqlExecutor) => {
      await sql.query(`SELECT pg_advisory_xact_lock($1::bigint)::text`, [CHAIN_LOCK_KEY]);
      return fn({ head: () => readHead(sql), insert: (records) => insertRecords(sql, records) });
    };
    if (tx) return run(sqlOf(tx));
    return this.db.withSession((session) => session.transaction(run));
  }

  head(): Promise<ChainHead | null> {
    return this.db.withSession(readHead);
  }

  async *streamChain(fromSeq: number, batchSize: number): AsyncIterable<ChainRow> {
    let next = fromSeq;
    for (;;) {
      const rows = await this.chainBatch(next, batchSize);
      for (const row of rows) yield row;
      if (rows.length < batchSize) return;
      next = rows.at(-1)!.seq + 1;
    }
  }

  /**
   * One batch of the chain: only what the hash chain needs. Whether the other
   * columns still match the hashed text is checked separately, in one pass
   * inside Postgres (findColumnMismatch), so the two run side by side.
   */
  private async chainBatch(fromSeq: number, limit: number): Promise<ChainRow[]> {
    const rows = await this.db.withSession((s) =>
      s.query<{ seq: string; hash: string; canonical: string }>(`SELECT e.seq::text AS seq, e.hash, e.canonical FROM audit_events e WHERE e.seq >= $1 ORDER BY e.seq LIMIT $2`, [fromSeq, limit]),
    );
    return rows.map((r) => {
      const fields = chainFieldsOf(r.canonical); // null: not JSON any more, and the hash check reports it
      return { seq: Number(r.seq), hash: r.hash, canonical: r.canonical, canonicalSeq: fields?.seq ?? -1, canonicalPrevHash: fields?.prevHash ?? "", columnsMatch: true };
    });
  }

  async findColumnMismatch(): Promise<number | null> {
    try {
      const [row] = await this.db.withSession((s) =>
        s.query<{ bad: string | null }>(
          // jsonb_to_record parses each canonical text once; seq and prevHash are left
          // to the chain pass, which tells a moved row (reordered) from an edited one.
          `SELECT min(e.seq)::text AS bad
             FROM audit_events e,
                  jsonb_to_record(e.canonical::jsonb) AS c(category text, severity text, actor text, service text, "operationId" text,
                                                           "correlationId" text, action text, payload jsonb, at text, "prevHash" text)
            WHERE NOT (c.category = e.category::text AND c.severity = e.severity::text AND c.actor = e.actor
                       AND c.service IS NOT DISTINCT FROM e.service AND c."operationId" IS NOT DISTINCT FROM e.operation_id::text
                       AND c."correlationId" IS NOT DISTINCT FROM e.correlation_id AND c.action = e.action AND c.payload = e.payload
                       AND c.at = to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AND c."prevHash" = e.prev_hash)`,
        ),
      );
      return row?.bad ? Number(row.bad) : null;
    } catch {
      // Some canonical text is no longer JSON, so the set-based check cannot run: compare row by row instead.
      for await (const record of this.streamRecords(5_000)) {
        if (!chainRowFromRecord(record).columnsMatch) return record.seq;
      }
      return null;
    }
  }

  private recordBatch(fromSeq: number, limit: number): Promise<AuditRecord[]> {
    return this.db.withSession(async (s) =>
      (await s.query<RecordRow>(`SELECT ${RECORD_COLUMNS} FROM audit_events e WHERE e.seq >= $1 ORDER BY e.seq LIMIT $2`, [fromSeq, limit])).map(toRecord),
    );
  }

  async *streamRecords(batchSize: number): AsyncIterable<AuditRecord> {
    let next = 1;
    for (;;) {
      const records = await this.recordBatch(next, batchSize);
      for (const record of records) yield record;
      if (records.length < batchSize) return;
      next = records.at(-1)!.seq + 1;
    }
  }

  async query(query: AuditQuery): Promise<AuditPage> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      params.push(value);
      where.push(clause.replace("?", `$${params.length}`));
    };
    if (query.category) add(`e.category = ?::"AuditCategory"`, query.category);
    if (query.severity) add(`e.severity = ?::"AuditSeverity"`, query.severity);
    if (query.actor) add(`e.actor = ?`, query.actor);
    if (query.service) add(`e.service = ?`, query.service);
    if (query.operationId) add(`e.operation_id = ?::uuid`, query.operationId);
    if (query.correlationId) add(`e.correlation_id = ?`, query.correlationId);
    if (query.from) add(`e.at >= ?::timestamptz`, query.from.toISOString());
    if (query.to) add(`e.at <= ?::timestamptz`, query.to.toISOString());
    if (query.beforeSeq) add(`e.seq < ?::bigint`, query.beforeSeq);
    params.push(query.limit + 1);
    const rows = await this.db.withSession((s) =>
      s.query<RecordRow>(`SELECT ${RECORD_COLUMNS} FROM audit_events e ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY e.seq DESC LIMIT $${params.length}`, params),
    );
    const events = rows.slice(0, query.limit).map(toRecord);
    return { events, nextBeforeSeq: rows.length > query.limit ? events.at(-1)!.seq : null };
  }

  async counts(): Promise<AuditCounts> {
    return this.db.withSession(async (s) => {
      const [totals] = await s.query<{ total: number; actors: number; services: number; first_at: string | null; last_at: string | null }>(
        `SELECT count(*)::int AS total, count(DISTINCT actor)::int AS actors, count(DISTINCT service)::int AS services,
                to_char(min(at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS first_at,
                to_char(max(at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS last_at
           FROM audit_events`,
      );
      const byCategory = await s.query<{ key: AuditCategory; n: number }>(`SELECT category::text AS key, count(*)::int AS n FROM audit_events GROUP BY 1`);
      const bySeverity = await s.query<{ key: AuditSeverity; n: number }>(`SELECT severity::text AS key, count(*)::int AS n FROM audit_events GROUP BY 1`);
      return {
        total: totals?.total ?? 0,
        byCategory: Object.fromEntries(byCategory.map((r) => [r.key, r.n])),
        bySeverity: Object.fromEntries(bySeverity.map((r) => [r.key, r.n])),
        uniqueActors: totals?.actors ?? 0,
        uniqueServices: totals?.services ?? 0,
        firstAt: totals?.first_at ?? null,
        lastAt: totals?.last_at ?? null,
      };
    });
  }

  async listCheckpoints(): Promise<AuditCheckpoint[]> {
    const rows = await this.db.prisma.auditCheckpoint.findMany({ orderBy: { seq: "asc" } });
    return rows.map((r) => ({ seq: Number(r.seq), hash: r.hash, count: Number(r.count), at: r.createdAt.toISOString(), keyId: r.keyId, signature: r.signature }));
  }

  async insertCheckpoint(checkpoint: AuditCheckpoint): Promise<boolean> {
    const result = await this.db.prisma.auditCheckpoint.createMany({
      data: [{ seq: BigInt(checkpoint.seq), hash: checkpoint.hash, count: BigInt(checkpoint.count), keyId: checkpoint.keyId, signature: checkpoint.signature, createdAt: new Date(checkpoint.at) }],
      skipDuplicates: true,
    });
    return result.count === 1;
  }
}
