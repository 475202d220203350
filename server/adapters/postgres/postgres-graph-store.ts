import "server-only";
import crypto from "node:crypto";
import { AppError } from "../../core/errors";
import { assertEveryEdgeStored } from "../../core/graph/normalize-topology";
import type { GraphStore } from "../../core/graph/ports";
import { assertTraversalDepth } from "../../core/graph/traversal-depth";
import type { GraphSnapshot, ReplaceTopologyReport, ServiceAtDistance } from "../../core/graph/types";
import type { Criticality, DependencyKind, ResourceKind } from "../../core/topology/types";
import type { Database, SqlExecutor } from "./database";

// The graph in the foundation's tables, through raw SQL on the shared pool:
// a snapshot of 10,000 services and 40,000 edges is three set-returning
// queries, and a replacement is a handful of statements over unnest()ed
// arrays, where Prisma would send tens of thousands of rows one statement
// at a time. Works the same on Postgres and PGlite; array parameters are
// text[] (and int[]) cast in SQL, because PGlite serialises only arrays of
// built-in types (an enum or uuid array arrives as "a,b", an empty one as "").

export class PostgresGraphStore implements GraphStore {
  constructor(private readonly db: Database) {}

  async loadSnapshot(): Promise<GraphSnapshot> {
    return this.db.withSession((session) =>
      session.transaction(async (tx) => {
        // One snapshot for the three reads: an import committing in between cannot mix two topologies.
        await tx.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
        const services = await tx.query<{ name: string; tier: number; criticality: Criticality; team: string; description: string }>(
          `SELECT name, tier, criticality::text AS criticality, team, description FROM services ORDER BY name COLLATE "C"`,
        );
        const dependencies = await tx.query<{ from: string; to: string; kind: DependencyKind }>(
          `SELECT f.name AS "from", t.name AS "to", d.kind::text AS kind
             FROM service_dependencies d JOIN services f ON f.id = d.from_id JOIN services t ON t.id = d.to_id
            ORDER BY f.name COLLATE "C", t.name COLLATE "C"`,
        );
        // Members as JSON: both node-postgres and PGlite hand json back as an array, text[] aggregates not always.
        const groups = await tx.query<{ name: string; kind: ResourceKind; description: string; members: string[] }>(
          `SELECT g.name, g.kind::text AS kind, g.description,
                  COALESCE(json_agg(s.name ORDER BY s.name COLLATE "C") FILTER (WHERE s.name IS NOT NULL), '[]'::json) AS members
             FROM resource_groups g
             LEFT JOIN resource_group_members m ON m.group_id = g.id
             LEFT JOIN services s ON s.id = m.service_id
            GROUP BY g.id ORDER BY g.name COLLATE "C"`,
        );
        return {
          services,
          dependencies,
          resourceGroups: groups.map((g) => ({ name: g.name, kind: g.kind, description: g.description, members: g.members })),
        };
      }),
    );
  }

  findDownstream(service: string, maxDepth: number): Promise<ServiceAtDistance[]> {
    return this.walk(service, maxDepth, "from_id", "to_id");
  }

  findUpstream(service: string, maxDepth: number): Promise<ServiceAtDistance[]> {
    return this.walk(service, maxDepth, "to_id", "from_id");
  }

  /** A breadth-first walk in SQL; `near`/`far` choose the direction (column names, never user input). */
  private async walk(service: string, maxDepth: number, near: "from_id" | "to_id", far: "from_id" | "to_id"): Promise<ServiceAtDistance[]> {
    const depth = assertTraversalDepth(maxDepth);
    return this.db.withSession(async (session) => {
      const start = await session.query<{ id: string }>(`SELECT id FROM services WHERE name = $1`, [service]);
      if (start.length === 0) throw new AppError("NOT_FOUND", `Service "${service}" is not in the dependency graph`, { service });
      // UNION (not UNION ALL) drops repeated (id, depth) pairs, and the depth bound ends cycles.
      const rows = await session.query<{ name: string; depth: number }>(
        `WITH RECURSIVE walk(id, depth) AS (
           SELECT d.${far}, 1 FROM service_dependencies d WHERE d.${near} = $1
           UNION
           SELECT d.${far}, w.depth + 1 FROM walk w JOIN service_dependencies d ON d.${near} = w.id WHERE w.depth < $2
         )
         SELECT s.name, MIN(w.depth)::int AS depth FROM walk w JOIN services s ON s.id = w.id
          WHERE w.id <> $1
          GROUP BY s.name ORDER BY depth, s.name COLLATE "C"`,
        [start[0]!.id, depth],
      );
      return rows.map((r) => ({ name: r.name, depth: Number(r.depth) }));
    });
  }

  async replaceTopology(topology: GraphSnapshot): Promise<ReplaceTopologyReport> {
    return this.db.withSession((session) =>
      session.transaction(async (tx) => {
        // Imports are rare and whole: one at a time, and no snapshot reads half of one.
        await tx.query(`LOCK TABLE services, service_dependencies, resource_groups, resource_group_members IN SHARE ROW EXCLUSIVE MODE`);
        const names = topology.services.map((s) => s.name);
        const removed = await this.removableServices(tx, names);

        await tx.query(`DELETE FROM services WHERE NOT (name = ANY($1::text[]))`, [names]);
        await tx.query(
          `INSERT INTO services (id, name, tier, criticality, team, description, updated_at)
           SELECT id::uuid, name, tier, criticality::"Criticality", team, description, now()
             FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[])
                  AS s(id, name, tier, criticality, team, description)
           ON CONFLICT (name) DO UPDATE
              SET tier = EXCLUDED.tier, criticality = EXCLUDED.criticality, team = EXCLUDED.team,
                  description = EXCLUDED.description, updated_at = now()
            WHERE (services.tier, services.criticality, services.team, services.description)
                  IS DISTINCT FROM (EXCLUDED.tier, EXCLUDED.criticality, EXCLUDED.team, EXCLUDED.description)`,
          [
            topology.services.map(() => uuidv7()),
            names,
            topology.services.map((s) => s.tier),
            topology.services.map((s) => s.criticality),
            topology.services.map((s) => s.team),
            topology.services.map((s) => s.description),
          ],
        );

        // Edges and memberships have no identity anything refers to: replace them wholesale.
        await tx.query(`DELETE FROM service_dependencies`);
        const edges = await tx.query<{ count: number }>(
          `WITH inserted AS (
             INSERT INTO service_dependencies (id, from_id, to_id, kind)
             SELECT e.id::uuid, f.id, t.id, e.kind::"DependencyKind"
               FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS e(id, from_name, to_name, kind)
               JOIN services f ON f.name = e.from_name
               JOIN services t ON t.name = e.to_name
             RETURNING 1)
           SELECT count(*)::int AS count FROM inserted`,
          [topology.dependencies.map(() => uuidv7()), topology.dependencies.map((d) => d.from), topology.dependencies.map((d) => d.to), topology.dependencies.map((d) => d.kind)],
        );

        const groupNames = topology.resourceGroups.map((g) => g.name);
        await tx.query(`DELETE FROM resource_groups WHERE NOT (name = ANY($1::text[]))`, [groupNames]);
        await tx.query(
          `INSERT INTO resource_groups (id, name, kind, description)
           SELECT id::uuid, name, kind::"ResourceKind", description FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS g(id, name, kind, description)
           ON CONFLICT (name) DO UPDATE SET kind = EXCLUDED.kind, description = EXCLUDED.description`,
          [topology.resourceGroups.map(() => uuidv7()), groupNames, topology.resourceGroups.map((g) => g.kind), topology.resourceGroups.map((g) => g.description)],
        );
        await tx.query(`DELETE FROM resource_group_members`);
        const memberPairs = topology.resourceGroups.flatMap((g) => g.members.map((m) => [g.name, m] as const));
        const members = await tx.query<{ count: number }>(
          `WITH inserted AS (
             INSERT INTO resource_group_members (group_id, service_id)
             SELECT g.id, s.id FROM unnest($1::text[], $2::text[]) AS m(group_name, service_name)
               JOIN resource_groups g ON g.name = m.group_name
               JOIN services s ON s.name = m.service_name
             ON CONFLICT DO NOTHING
             RETURNING 1)
           SELECT count(*)::int AS count FROM inserted`,
          [memberPairs.map(([g]) => g), memberPairs.map(([, m]) => m)],
        );

        const dependencies = Number(edges[0]?.count ?? 0);
        assertEveryEdgeStored(topology.dependencies.length, dependencies);
        return {
          services: names.length,
          dependencies,
          resourceGroups: groupNames.length,
          members: Number(members[0]?.count ?? 0),
          removedServices: removed,
        };
      }),
    );
  }

  /** Services the replacement removes; refused if operations or incidents still refer to them (their history must stay readable). */
  private async removableServices(tx: SqlExecutor, keep: string[]): Promise<string[]> {
    const rows = await tx.query<{ name: string; referenced: boolean }>(
      `SELECT s.name,
              EXISTS (SELECT 1 FROM operations o WHERE o.service_id = s.id) OR EXISTS (SELECT 1 FROM incidents i WHERE i.service_id = s.id) AS referenced
         FROM services s WHERE NOT (s.name = ANY($1::text[])) ORDER BY s.name COLLATE "C"`,
      [keep],
    );
    const referenced = rows.filter((r) => r.referenced).map((r) => r.name);
    if (referenced.length > 0) {
      throw new AppError("CONFLICT", `The new topology leaves out ${referenced.length} service(s) that operations or incidents refer to: ${referenced.slice(0, 10).join(", ")}${referenced.length > 10 ? ", …" : ""}`, {
        services: referenced,
      });
    }
    return rows.map((r) => r.name);
  }
}

/** The same id scheme as Prisma's @default(uuid(7)): time-ordered, so new rows index well. */
function uuidv7(): string {
  const bytes = crypto.randomBytes(16);
  const ms = Date.now();
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
