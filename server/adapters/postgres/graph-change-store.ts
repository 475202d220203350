import "server-only";
import crypto from "node:crypto";
import type { StoreTransaction } from "../../core/audit/ports";
import type { JsonValue } from "../../core/audit/types";
import type { OperationRef, OperationStateName, OperationType } from "../../core/conflicts/types";
import { AppError } from "../../core/errors";
import { REVISION_DIFFS_KEPT, type Declaration, type GraphChangeStore, type LiveGraph, type ProvenanceDelete, type ProvenanceUpsert, type RevisionDiff } from "../../core/graph/graph-change-store";
import { edgeKey, type ElementProvenance, type GraphElementKind, type GraphSource, type RevisionedTopology, type TopologyDiff } from "../../core/graph/live-graph-types";
import { assertEveryEdgeStored } from "../../core/graph/normalize-topology";
import type { Criticality, DependencyKind, ResourceKind, TopologySpec } from "../../core/topology/types";
import type { Database, SqlExecutor } from "./database";
import { runInRawTransaction, sqlOf } from "./transactions";

// The graph's one write path in Postgres and PGlite (docs/graph-changes.md):
// a diff is applied row by row (a 1 % change to 40,000 edges touches ~400
// rows, not all of them), with the provenance rows and the revision, in the
// caller's transaction. Statements take unnest()ed text[]/int[] arrays cast in
// SQL, as postgres-graph-store.ts does: PGlite serialises only arrays of
// built-in types (an enum, uuid or timestamptz array would arrive as text).

const date = (v: Date | string): Date => (v instanceof Date ? v : new Date(v));

export class PostgresGraphChangeStore implements GraphChangeStore {
  constructor(private readonly db: Database) {}

  load(): Promise<LiveGraph> {
    return this.read("all") as Promise<LiveGraph>;
  }

  loadForDocument(): Promise<LiveGraph> {
    return this.read("observed-only") as Promise<LiveGraph>;
  }

  /** The graph and its revision in one snapshot, without provenance: what the CachedGraphIndex loads. */
  loadRevisioned(): Promise<RevisionedTopology> {
    return this.read("none");
  }

  async revision(): Promise<number> {
    const rows = await this.db.query<{ revision: string }>(`SELECT revision::text AS revision FROM graph_revision WHERE id = 1`);
    return Number(rows[0]?.revision ?? 0);
  }

  transact<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return runInRawTransaction(this.db, fn);
  }

  async lockRevision(tx: StoreTransaction): Promise<number> {
    const sql = sqlOf(tx);
    // The row is seeded by the migration; a store restored without it starts at 0.
    await sql.query(`INSERT INTO graph_revision (id, revision, changed_at) VALUES (1, 0, now()) ON CONFLICT (id) DO NOTHING`);
    const rows = await sql.query<{ revision: string }>(`SELECT revision::text AS revision FROM graph_revision WHERE id = 1 FOR UPDATE`);
    return Number(rows[0]!.revision);
  }

  async setRevision(tx: StoreTransaction, revision: number, at: Date): Promise<void> {
    await sqlOf(tx).query(`UPDATE graph_revision SET revision = $1::bigint, changed_at = $2::timestamptz WHERE id = 1`, [String(revision), at.toISOString()]);
  }

  async recordRevisionDiff(tx: StoreTransaction, revision: number, diff: TopologyDiff): Promise<void> {
    const sql = sqlOf(tx);
    await sql.query(`INSERT INTO graph_revision_diffs (revision, diff) VALUES ($1::bigint, $2::jsonb)`, [String(revision), JSON.stringify(diff)]);
    await sql.query(`DELETE FROM graph_revision_diffs WHERE revision <= $1::bigint`, [String(revision - REVISION_DIFFS_KEPT)]);
  }

  async revisionDiffsSince(revision: number): Promise<RevisionDiff[]> {
    // As text, parsed here: the same on Postgres and PGlite whatever their JSON parsing.
    const rows = await this.db.query<{ revision: string; diff: string }>(
      `SELECT revision::text AS revision, diff::text AS diff FROM graph_revision_diffs WHERE revision > $1::bigint ORDER BY revision LIMIT $2`,
      [String(revision), REVISION_DIFFS_KEPT],
    );
    return rows.map((r) => ({ revision: Number(r.revision), diff: JSON.parse(r.diff) as TopologyDiff }));
  }

  async applyDiff(tx: StoreTransaction, diff: TopologyDiff): Promise<void> {
    const sql = sqlOf(tx);
    const removedServices = diff.services.removed.map((s) => s.name);
    if (removedServices.length > 0) await assertNotReferenced(sql, removedServices);

    // Edges first: those of removed services would go with them anyway (ON DELETE CASCADE), but their provenance would not.
    const removedEdges = diff.edges.removed;
    if (removedEdges.length > 0) {
      await sql.query(
        `DELETE FROM service_dependencies d
          USING unnest($1::text[], $2::text[]) AS e(from_name, to_name), services f, services t
          WHERE f.name = e.from_name AND t.name = e.to_name AND d.from_id = f.id AND d.to_id = t.id`,
        [removedEdges.map((e) => e.from), removedEdges.map((e) => e.to)],
      );
    }
    if (removedServices.length > 0) await sql.query(`DELETE FROM services WHERE name = ANY($1::text[])`, [removedServices]);
    const removedGroups = diff.groups.removed.map((g) => g.name);
    if (removedGroups.length > 0) await sql.query(`DELETE FROM resource_groups WHERE name = ANY($1::text[])`, [removedGroups]);
    // Rows of removed elements go with the elements (docs/graph-changes.md#provenance).
    await deleteProvenance(sql, [
      ...removedServices.map((key) => ({ kind: "SERVICE" as const, key })),
      ...removedEdges.map((e) => ({ kind: "EDGE" as const, key: edgeKey(e) })),
      ...removedGroups.map((key) => ({ kind: "GROUP" as const, key })),
    ]);

    const changed = diff.services.changed.map((c) => c.after);
    if (changed.length > 0) {
      await sql.query(
        `UPDATE services s SET tier = u.tier, criticality = u.criticality::"Criticality", team = u.team, description = u.description, updated_at = now()
           FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[]) AS u(name, tier, criticality, team, description)
          WHERE s.name = u.name`,
        [diff.services.changed.map((c) => c.name), changed.map((s) => s.tier), changed.map((s) => s.criticality), changed.map((s) => s.team), changed.map((s) => s.description)],
      );
    }
    const added = diff.services.added;
    if (added.length > 0) {
      await sql.query(
        `INSERT INTO services (id, name, tier, criticality, team, description, updated_at)
         SELECT id::uuid, name, tier, criticality::"Criticality", team, description, now()
           FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[]) AS s(id, name, tier, criticality, team, description)`,
        [added.map(() => uuidv7()), added.map((s) => s.name), added.map((s) => s.tier), added.map((s) => s.criticality), added.map((s) => s.team), added.map((s) => s.description)],
      );
    }

    if (diff.edges.changed.length > 0) {
      await sql.query(
        `UPDATE service_dependencies d SET kind = e.kind::"DependencyKind"
           FROM unnest($1::text[], $2::text[], $3::text[]) AS e(from_name, to_name, kind), services f, services t
          WHERE f.name = e.from_name AND t.name = e.to_name AND d.from_id = f.id AND d.to_id = t.id`,
        [diff.edges.changed.map((e) => e.from), diff.edges.changed.map((e) => e.to), diff.edges.changed.map((e) => e.after)],
      );
    }
    const addedEdges = diff.edges.added;
    if (addedEdges.length > 0) {
      const rows = await sql.query<{ count: number }>(
        `WITH inserted AS (
           INSERT INTO service_dependencies (id, from_id, to_id, kind)
           SELECT e.id::uuid, f.id, t.id, e.kind::"DependencyKind"
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS e(id, from_name, to_name, kind)
             JOIN services f ON f.name = e.from_name
             JOIN services t ON t.name = e.to_name
           RETURNING 1)
         SELECT count(*)::int AS count FROM inserted`,
        [addedEdges.map(() => uuidv7()), addedEdges.map((e) => e.from), addedEdges.map((e) => e.to), addedEdges.map((e) => e.kind)],
      );
      assertEveryEdgeStored(addedEdges.length, Number(rows[0]?.count ?? 0));
    }

    const groupsChanged = diff.groups.changed;
    if (groupsChanged.length > 0) {
      await sql.query(
        `UPDATE resource_groups g SET kind = u.kind::"ResourceKind", description = u.description
           FROM unnest($1::text[], $2::text[], $3::text[]) AS u(name, kind, description) WHERE g.name = u.name`,
        [groupsChanged.map((c) => c.name), groupsChanged.map((c) => c.after.kind), groupsChanged.map((c) => c.after.description)],
      );
      const gone = groupsChanged.flatMap((c) => c.membersRemoved.map((m) => [c.name, m] as const));
      if (gone.length > 0) {
        await sql.query(
          `DELETE FROM resource_group_members m USING unnest($1::text[], $2::text[]) AS x(group_name, service_name), resource_groups g, services s
            WHERE g.name = x.group_name AND s.name = x.service_name AND m.group_id = g.id AND m.service_id = s.id`,
          [gone.map(([g]) => g), gone.map(([, s]) => s)],
        );
      }
    }
    const groupsAdded = diff.groups.added;
    if (groupsAdded.length > 0) {
      await sql.query(
        `INSERT INTO resource_groups (id, name, kind, description)
         SELECT id::uuid, name, kind::"ResourceKind", description FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS g(id, name, kind, description)`,
        [groupsAdded.map(() => uuidv7()), groupsAdded.map((g) => g.name), groupsAdded.map((g) => g.kind), groupsAdded.map((g) => g.description)],
      );
    }
    const joined = [...groupsChanged.flatMap((c) => c.membersAdded.map((m) => [c.name, m] as const)), ...groupsAdded.flatMap((g) => g.members.map((m) => [g.name, m] as const))];
    if (joined.length > 0) {
      const rows = await sql.query<{ count: number }>(
        `WITH inserted AS (
           INSERT INTO resource_group_members (group_id, service_id)
           SELECT g.id, s.id FROM unnest($1::text[], $2::text[]) AS m(group_name, service_name)
             JOIN resource_groups g ON g.name = m.group_name
             JOIN services s ON s.name = m.service_name
           RETURNING 1)
         SELECT count(*)::int AS count FROM inserted`,
        [joined.map(([g]) => g), joined.map(([, s]) => s)],
      );
      if (Number(rows[0]?.count ?? 0) !== joined.length) throw new AppError("VALIDATION_FAILED", `${joined.length - Number(rows[0]?.count ?? 0)} group membership(s) name services that are not in the graph`);
    }
  }

  async writeProvenance(tx: StoreTransaction, upserts: ProvenanceUpsert[], deletes: ProvenanceDelete[]): Promise<void> {
    const sql = sqlOf(tx);
    await deleteProvenance(sql, deletes, true);
    if (upserts.length === 0) return;
    // One row per (element, source) in one statement: ON CONFLICT may not touch a row twice.
    const unique = new Map(upserts.map((u) => [`${u.kind}\u0000${u.key}\u0000${u.source}`, u]));
    const rows = [...unique.values()];
    await sql.query(
      `INSERT INTO graph_provenance (element_kind, element_key, source, origin, first_seen_at, last_seen_at, evidence)
       SELECT kind::"GraphElementKind", key, source::"GraphSource", origin, seen::timestamptz, seen::timestamptz, evidence::jsonb
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS p(kind, key, source, origin, seen, evidence)
       ON CONFLICT (element_kind, element_key, source) DO UPDATE
          SET origin = EXCLUDED.origin, last_seen_at = EXCLUDED.last_seen_at, evidence = EXCLUDED.evidence`,
      [
        rows.map((r) => r.kind),
        rows.map((r) => r.key),
        rows.map((r) => r.source),
        rows.map((r) => r.origin),
        rows.map((r) => r.seenAt.toISOString()),
        rows.map((r) => (r.evidence === null ? null : JSON.stringify(r.evidence))),
      ],
    );
  }

  async declare(tx: StoreTransaction, declaration: Declaration): Promise<void> {
    const sql = sqlOf(tx);
    const seen = declaration.seenAt.toISOString();
    // The rows this document wrote last time: only their lastSeen moves, and a whole document removes every element it no
    // longer holds (rows included), so every row left with this source and origin is in it: their lastSeen is the
    // declaration's, recorded once and read with GREATEST in readProvenance (not 50,000 row updates per apply).
    await sql.query(
      `INSERT INTO graph_declarations (source, origin, declared_at) VALUES ($1::"GraphSource", $2, $3::timestamptz)
       ON CONFLICT (source, origin) DO UPDATE SET declared_at = GREATEST(graph_declarations.declared_at, EXCLUDED.declared_at)`,
      [declaration.source, declaration.origin, seen],
    );
    if (declaration.elements.length === 0) return;
    // New elements, and elements this source declared from another origin: written; rows already right are left alone.
    await sql.query(
      `INSERT INTO graph_provenance (element_kind, element_key, source, origin, first_seen_at, last_seen_at, evidence)
       SELECT e.kind::"GraphElementKind", e.key, $3::"GraphSource", $4, $5::timestamptz, $5::timestamptz, NULL
         FROM unnest($1::text[], $2::text[]) AS e(kind, key)
       ON CONFLICT (element_kind, element_key, source) DO UPDATE
          SET origin = EXCLUDED.origin, last_seen_at = EXCLUDED.last_seen_at, evidence = NULL
        WHERE graph_provenance.origin <> EXCLUDED.origin`,
      [declaration.elements.map((e) => e.kind), declaration.elements.map((e) => e.key), declaration.source, declaration.origin, seen],
    );
  }

  async inFlightOperations(): Promise<OperationRef[]> {
    const rows = await this.db.query<{ id: string; type: string; service: string; actor: string; created_at: Date | string; params: unknown; seq: string; correlation_id: string; state: string; priority: number; started: boolean; attempt: number; queued: boolean }>(
      `SELECT o.id::text AS id, o.type::text AS type, s.name AS service, o.actor, o.created_at, o.params, o.seq::text AS seq, o.correlation_id,
              o.state::text AS state, o.priority, o.started_at IS NOT NULL AS started, o.attempt, o.queued_at IS NOT NULL AS queued
         FROM operations o JOIN services s ON s.id = o.service_id
        WHERE o.finished_at IS NULL AND o.state IN ('INIT','LOCKED','SAFETY_CHECK','IN_PROGRESS','PAUSED_FOR_HUMAN_REVIEW')
        ORDER BY o.seq`,
    );
    return rows.map((r) => ({
      id: r.id,
      type: r.type as OperationType,
      service: r.service,
      actor: r.actor,
      createdAt: date(r.created_at),
      params: (typeof r.params === "string" ? JSON.parse(r.params) : r.params) as Record<string, unknown>,
      seq: BigInt(r.seq),
      correlationId: r.correlation_id,
      state: r.state as OperationStateName,
      priority: Number(r.priority),
      started: r.started,
      attempt: Number(r.attempt),
      queued: r.queued,
    }));
  }

  private read(provenance: "all" | "observed-only" | "none"): Promise<LiveGraph | RevisionedTopology> {
    return this.db.withSession((session) =>
      session.transaction(async (tx) => {
        // One snapshot: the revision names exactly the graph read with it.
        await tx.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
        const revision = await tx.query<{ revision: string }>(`SELECT revision::text AS revision FROM graph_revision WHERE id = 1`);
        const topology = await readTopology(tx);
        const base = { revision: Number(revision[0]?.revision ?? 0), topology };
        if (provenance === "none") return base;
        return { ...base, provenance: await readProvenance(tx, provenance === "observed-only") };
      }),
    );
  }
}

/** The same three reads as PostgresGraphStore.loadSnapshot, inside the caller's snapshot. */
async function readTopology(tx: SqlExecutor): Promise<TopologySpec> {
  // Services and edges as one JSON text value each, parsed once: 50,000 rows arriving as rows are parsed
  // chunk by chunk between the process's other work, and a background reload (docs/graph-changes.md#freshness-across-processes)
  // would then slow every conflict check it overlaps instead of delaying one.
  const [services] = await tx.query<{ rows: string }>(
    `SELECT COALESCE(json_agg(json_build_array(name, tier, criticality::text, team, description) ORDER BY name COLLATE "C"), '[]'::json)::text AS rows FROM services`,
  );
  const [dependencies] = await tx.query<{ rows: string }>(
    `SELECT COALESCE(json_agg(json_build_array(f.name, t.name, d.kind::text) ORDER BY f.name COLLATE "C", t.name COLLATE "C"), '[]'::json)::text AS rows
       FROM service_dependencies d JOIN services f ON f.id = d.from_id JOIN services t ON t.id = d.to_id`,
  );
  const groups = await tx.query<{ name: string; kind: ResourceKind; description: string; members: string[] }>(
    `SELECT g.name, g.kind::text AS kind, g.description,
            COALESCE(json_agg(s.name ORDER BY s.name COLLATE "C") FILTER (WHERE s.name IS NOT NULL), '[]'::json) AS members
       FROM resource_groups g
       LEFT JOIN resource_group_members m ON m.group_id = g.id
       LEFT JOIN services s ON s.id = m.service_id
      GROUP BY g.id ORDER BY g.name COLLATE "C"`,
  );
  const serviceRows = JSON.parse(services?.rows ?? "[]") as [string, number, Criticality, string, string][];
  const edgeRows = JSON.parse(dependencies?.rows ?? "[]") as [string, string, DependencyKind][];
  return {
    services: serviceRows.map(([name, tier, criticality, team, description]) => ({ name, tier: Number(tier), criticality, team, description })),
    dependencies: edgeRows.map(([from, to, kind]) => ({ from, to, kind })),
    resourceGroups: groups.map((g) => ({ name: g.name, kind: g.kind, description: g.description, members: typeof g.members === "string" ? (JSON.parse(g.members) as string[]) : g.members })),
  };
}

async function readProvenance(tx: SqlExecutor, observedOnly: boolean): Promise<ElementProvenance[]> {
  // observedOnly: the rows of edges no declaring source has (the few a document may keep), not one row per element.
  const where = observedOnly
    ? `WHERE p.element_kind = 'EDGE' AND p.source = 'TRACES'
         AND NOT EXISTS (SELECT 1 FROM graph_provenance q WHERE q.element_kind = 'EDGE' AND q.element_key = p.element_key AND q.source <> 'TRACES')`
    : "";
  const rows = await tx.query<{ kind: GraphElementKind; key: string; source: GraphSource; origin: string; first_seen_at: Date | string; last_seen_at: Date | string; evidence: unknown }>(
    `SELECT p.element_kind::text AS kind, p.element_key AS key, p.source::text AS source, p.origin, p.first_seen_at,
            GREATEST(p.last_seen_at, d.declared_at) AS last_seen_at, p.evidence
       FROM graph_provenance p LEFT JOIN graph_declarations d ON d.source = p.source AND d.origin = p.origin
       ${where} ORDER BY p.element_kind, p.element_key COLLATE "C", p.source`,
  );
  const out: ElementProvenance[] = [];
  for (const r of rows) {
    let last = out[out.length - 1];
    if (!last || last.kind !== r.kind || last.key !== r.key) {
      last = { kind: r.kind, key: r.key, sources: [] };
      out.push(last);
    }
    const evidence = typeof r.evidence === "string" ? (JSON.parse(r.evidence) as { [key: string]: JsonValue }) : (r.evidence as { [key: string]: JsonValue } | null);
    last.sources.push({ source: r.source, origin: r.origin, firstSeenAt: date(r.first_seen_at), lastSeenAt: date(r.last_seen_at), evidence: evidence ?? null });
  }
  return out;
}

/** Deletes provenance rows: of one source when `bySource`, else every source's rows of the elements. */
async function deleteProvenance(sql: SqlExecutor, rows: { kind: GraphElementKind; key: string; source?: GraphSource }[], bySource = false): Promise<void> {
  if (rows.length === 0) return;
  if (bySource) {
    await sql.query(
      `DELETE FROM graph_provenance p USING unnest($1::text[], $2::text[], $3::text[]) AS d(kind, key, source)
        WHERE p.element_kind = d.kind::"GraphElementKind" AND p.element_key = d.key AND p.source = d.source::"GraphSource"`,
      [rows.map((r) => r.kind), rows.map((r) => r.key), rows.map((r) => r.source ?? "")],
    );
    return;
  }
  await sql.query(
    `DELETE FROM graph_provenance p USING unnest($1::text[], $2::text[]) AS d(kind, key)
      WHERE p.element_kind = d.kind::"GraphElementKind" AND p.element_key = d.key`,
    [rows.map((r) => r.kind), rows.map((r) => r.key)],
  );
}

/** Removing a service that operations or incidents refer to would make their history unreadable: refused, as replaceTopology refuses it. */
async function assertNotReferenced(sql: SqlExecutor, names: string[]): Promise<void> {
  const rows = await sql.query<{ name: string }>(
    `SELECT s.name FROM services s
      WHERE s.name = ANY($1::text[])
        AND (EXISTS (SELECT 1 FROM operations o WHERE o.service_id = s.id) OR EXISTS (SELECT 1 FROM incidents i WHERE i.service_id = s.id))
      ORDER BY s.name COLLATE "C"`,
    [names],
  );
  const referenced = rows.map((r) => r.name);
  if (referenced.length > 0) {
    throw new AppError("CONFLICT", `The change removes ${referenced.length} service(s) that operations or incidents refer to: ${referenced.slice(0, 10).join(", ")}${referenced.length > 10 ? ", …" : ""}`, {
      services: referenced,
    });
  }
}

/** The same id scheme as Prisma's @default(uuid(7)): time-ordered, so new rows index well. */
function uuidv7(): string {
  const bytes = crypto.randomBytes(16);
  bytes.writeUIntBE(Date.now(), 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
