import "server-only";
import type { AuditCounts, AuditPage, AuditQuery, AuditStore, ChainScan, ChainScanRow, ChainWriter, StoreTransaction } from "../../core/audit/ports";
import type { AuditCategory, AuditCheckpoint, AuditRecord, AuditSeverity, ChainHead, JsonValue } from "../../core/audit/types";
import { splitPage } from "../../core/pagination";
import type { Database, SqlExecutor } from "./database";
import { json, keyAt, SqlQuery } from "./sql-query-builder";
import { sqlOf } from "./transactions";

// The audit chain in Postgres (and PGlite). Raw SQL on purpose: appends are the
// hottest write path Interlock has (one multi-row INSERT via unnest, whatever the
// batch size) and verification streams millions of rows; timestamps are read
// as text with microseconds so nothing is rounded on the way.

// Every writer in every process takes this transaction-scoped advisory lock
// before reading the head, so two appends can never link to the same event.
// The unique indexes on seq and prev_hash are the second line of defence.
const CHAIN_LOCK_KEY = 0x61756474; // "audt"

// Always read through the alias `e` and order by `e.seq`: a bare ORDER BY seq would
// sort by the text alias below (so "9" after "10").
const RECORD_COLUMNS = `e.seq::text AS seq, e.category::text AS category, e.severity::text AS severity, e.actor, e.service, e.operation_id::text AS operation_id,
  e.correlation_id, e.action, e.payload, ${keyAt("e.at")} AS at, e.prev_hash, e.hash, e.canonical`;

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
    payload: json<Record<string, JsonValue>>(row.payload),
    at: row.at,
    prevHash: row.prev_hash,
    hash: row.hash,
    canonical: row.canonical,
  };
}

const HEAD_SQL = `SELECT e.seq::text AS seq, e.hash FROM audit_events e ORDER BY e.seq DESC LIMIT 1`;

async function readHead(sql: SqlExecutor): Promise<ChainHead | null> {
  const rows = await sql.query<{ seq: string; hash: string }>(HEAD_SQL);
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
    if (tx) {
      const sql = sqlOf(tx);
      await sql.query(`SELECT pg_advisory_xact_lock($1::bigint)::text`, [CHAIN_LOCK_KEY]);
      return fn({ head: () => readHead(sql), insert: (records) => insertRecords(sql, records) });
    }
    // Our own transaction: BEGIN, the lock and the head read travel in one round
    // trip. They are separate statements, so the head is read after the lock is held.
    const run = async (sql: SqlExecutor, opened: Record<string, unknown>[]) => {
      let openedHead: ChainHead | null | undefined = opened[0] ? { seq: Number(opened[0].seq), hash: String(opened[0].hash) } : null;
      const head = async () => {
        if (openedHead !== undefined) {
          const first = openedHead;
          openedHead = undefined;
          return first;
        }
        return readHead(sql);
      };
      return fn({ head, insert: (records) => insertRecords(sql, records) });
    };
    const opening = `SELECT pg_advisory_xact_lock(${CHAIN_LOCK_KEY}::bigint)::text; ${HEAD_SQL}`;
    // In a transaction of our own we can retry: a unique violation (someone wrote
    // to the chain without taking the lock) or a serialization failure just means
    // "read the head again". Inside a caller's transaction the caller must retry.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.withSession((session) => session.transaction(run, opening));
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (attempt >= 3 || (code !== "23505" && code !== "40001" && code !== "40P01")) throw error;
      }
    }
  }

  head(): Promise<ChainHead | null> {
    return this.db.withSession(readHead);
  }

  /**
   * The whole check in Postgres, next to the data: each row's canonical text is
   * parsed once (jsonb_to_record), hashed (pg_catalog.sha256, schema-qualified
   * so nothing in a writable schema can stand in for it), compared with its
   * columns, linked to the row before it (lag) and to any checkpoint at its
   * seq. Only the first failing row comes back. Large chains are cut into two
   * seq ranges scanned on two connections at once (PGlite runs them in turn).
   */
  async scanChain(checkpoints: AuditCheckpoint[]): Promise<ChainScan | null> {
    const [bounds] = await this.db.withSession((s) => s.query<{ total: string; last: string | null }>(`SELECT count(*)::text AS total, max(e.seq)::text AS last FROM audit_events e`));
    const total = Number(bounds?.total ?? 0);
    const lastSeq = Number(bounds?.last ?? 0);
    const parts = this.db.kind === "postgres" && lastSeq > 200_000 ? 2 : 1;
    const ranges = Array.from({ length: parts }, (_, k) => [Math.floor((lastSeq * k) / parts) + 1, Math.floor((lastSeq * (k + 1)) / parts)] as const);
    const cpSeqs = checkpoints.map((c) => String(c.seq));
    const cpHashes = checkpoints.map((c) => c.hash);
    let found: (ChainScanRow | null)[];
    try {
      found = await Promise.all(ranges.map(([lo, hi]) => this.scanRange(lo, hi, cpSeqs, cpHashes)));
    } catch (error) {
      if ((error as { code?: string }).code === "22P02") return null; // invalid_text_representation: a canonical text is not JSON
      throw error;
    }
    const firstProblem = found.filter((r): r is ChainScanRow => r !== null).sort((a, b) => a.seq - b.seq)[0] ?? null;
    let checked = total;
    if (firstProblem) {
      const [row] = await this.db.withSession((s) => s.query<{ n: string }>(`SELECT count(*)::text AS n FROM audit_events e WHERE e.seq <= $1`, [firstProblem.seq]));
      checked = Number(row?.n ?? 0);
    }
    return { total, checked, lastSeq, firstProblem };
  }

  async scanSegment(fromSeq: number, checkpoints: AuditCheckpoint[]): Promise<ChainScan | null> {
    const lo = Math.max(1, fromSeq);
    const [bounds] = await this.db.withSession((s) =>
      // A range of the primary key, not the whole table: this runs before every checkpoint.
      s.query<{ total: string; last: string | null }>(`SELECT count(*)::text AS total, max(e.seq)::text AS last FROM audit_events e WHERE e.seq >= $1`, [lo]),
    );
    const lastSeq = Number(bounds?.last ?? 0);
    let firstProblem: ChainScanRow | null;
    try {
      firstProblem = lastSeq >= lo ? await this.scanRange(lo, lastSeq, checkpoints.map((c) => String(c.seq)), checkpoints.map((c) => c.hash)) : null;
    } catch (error) {
      if ((error as { code?: string }).code === "22P02") return null;
      throw error;
    }
    const total = Number(bounds?.total ?? 0);
    return { total, checked: firstProblem ? Math.max(0, firstProblem.seq - lo + 1) : total, lastSeq, firstProblem };
  }

  async hashesAt(seqs: number[]): Promise<Map<number, string>> {
    if (seqs.length === 0) return new Map();
    const rows = await this.db.query<{ seq: string; hash: string }>(`SELECT e.seq::text AS seq, e.hash FROM audit_events e WHERE e.seq = ANY($1::text[]::bigint[])`, [seqs.map(String)]);
    return new Map(rows.map((r) => [Number(r.seq), r.hash]));
  }

  private async scanRange(lo: number, hi: number, cpSeqs: string[], cpHashes: string[]): Promise<ChainScanRow | null> {
    const rows = await this.db.withSession((s) =>
      s.query<{ seq: string; hash: string; prev_seq: string | null; prev_hash: string | null; hash_ok: boolean | null; cseq: string | null; cprev: string | null; cols_ok: boolean | null; cp_hash: string | null }>(
        `SELECT x.* FROM (
           SELECT e.seq::text AS seq, e.hash, lag(e.seq) OVER w AS prev_seq, lag(e.hash) OVER w AS prev_hash,
                  encode(pg_catalog.sha256(convert_to(e.canonical, 'UTF8')), 'hex') = e.hash AS hash_ok,
                  c.seq::text AS cseq, c."prevHash" AS cprev,
                  (c.category = e.category::text AND c.severity = e.severity::text AND c.actor = e.actor
                   AND c.service IS NOT DISTINCT FROM e.service AND c."operationId" IS NOT DISTINCT FROM e.operation_id::text
                   AND c."correlationId" IS NOT DISTINCT FROM e.correlation_id AND c.action = e.action AND c.payload = e.payload
                   AND c.at = ${keyAt("e.at")} AND c."prevHash" = e.prev_hash) AS cols_ok,
                  cp.hash AS cp_hash, e.seq AS n
             FROM audit_events e
             CROSS JOIN LATERAL json_to_record(e.canonical::json) AS c(seq bigint, category text, severity text, actor text, service text, "operationId" text,
                                                                          "correlationId" text, action text, payload jsonb, at text, "prevHash" text)
             LEFT JOIN unnest($3::text[]::bigint[], $4::text[]) AS cp(seq, hash) ON cp.seq = e.seq
            -- from the row before the range (its true predecessor, even if rows were deleted) to the end of the range
            WHERE e.seq >= coalesce((SELECT max(p.seq) FROM audit_events p WHERE p.seq < $1), 0) AND e.seq <= $2
           WINDOW w AS (ORDER BY e.seq)
         ) x
         WHERE x.n >= $1
           AND (x.n <> coalesce(x.prev_seq, 0) + 1 OR x.hash_ok IS NOT TRUE OR x.cseq IS DISTINCT FROM x.seq OR x.cols_ok IS NOT TRUE
                OR x.cprev IS DISTINCT FROM coalesce(x.prev_hash, repeat('0', 64)) OR (x.cp_hash IS NOT NULL AND x.cp_hash <> x.hash))
         ORDER BY x.n LIMIT 1`,
        [lo, hi, cpSeqs, cpHashes],
      ),
    );
    const r = rows[0];
    if (!r) return null;
    return {
      seq: Number(r.seq),
      hash: r.hash,
      prevSeq: r.prev_seq === null ? null : Number(r.prev_seq),
      prevRowHash: r.prev_hash,
      hashOk: r.hash_ok === true,
      canonicalSeq: r.cseq === null ? null : Number(r.cseq),
      canonicalPrevHash: r.cprev,
      columnsOk: r.cols_ok === true,
      checkpointHash: r.cp_hash,
    };
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
    const q = new SqlQuery();
    if (query.category) q.where(`e.category = ?::"AuditCategory"`, query.category);
    if (query.severity) q.where(`e.severity = ?::"AuditSeverity"`, query.severity);
    if (query.actor) q.where(`e.actor = ?`, query.actor);
    if (query.service) q.where(`e.service = ?`, query.service);
    if (query.operationId) q.where(`e.operation_id = ?::uuid`, query.operationId);
    if (query.correlationId) q.where(`e.correlation_id = ?`, query.correlationId);
    if (query.action) q.where(`e.action = ?`, query.action);
    if (query.from) q.where(`e.at >= ?::timestamptz`, query.from.toISOString());
    if (query.to) q.where(`e.at <= ?::timestamptz`, query.to.toISOString());
    if (query.beforeSeq) q.where(`e.seq < ?::bigint`, query.beforeSeq);
    const limit = q.limit(query.limit + 1);
    const rows = await this.db.withSession((s) => s.query<RecordRow>(`SELECT ${RECORD_COLUMNS} FROM audit_events e ${q.whereClause()} ORDER BY e.seq DESC ${limit}`, q.params));
    const page = splitPage(rows, query.limit);
    const events = page.items.map(toRecord);
    return { events, nextBeforeSeq: page.more ? events.at(-1)!.seq : null };
  }

  async counts(): Promise<AuditCounts> {
    return this.db.withSession(async (s) => {
      const [totals] = await s.query<{ total: number; actors: number; services: number; first_at: string | null; last_at: string | null }>(
        `SELECT count(*)::int AS total, count(DISTINCT actor)::int AS actors, count(DISTINCT service)::int AS services,
                ${keyAt("min(at)")} AS first_at,
                ${keyAt("max(at)")} AS last_at
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

  async latestCheckpoint(): Promise<AuditCheckpoint | null> {
    const r = await this.db.prisma.auditCheckpoint.findFirst({ orderBy: { seq: "desc" } });
    return r ? { seq: Number(r.seq), hash: r.hash, count: Number(r.count), at: r.createdAt.toISOString(), keyId: r.keyId, signature: r.signature } : null;
  }

  async insertCheckpoint(checkpoint: AuditCheckpoint): Promise<boolean> {
    const result = await this.db.prisma.auditCheckpoint.createMany({
      data: [{ seq: BigInt(checkpoint.seq), hash: checkpoint.hash, count: BigInt(checkpoint.count), keyId: checkpoint.keyId, signature: checkpoint.signature, createdAt: new Date(checkpoint.at) }],
      skipDuplicates: true,
    });
    return result.count === 1;
  }
}
