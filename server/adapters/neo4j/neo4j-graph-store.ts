import "server-only";
import neo4j, { type Driver, type ManagedTransaction } from "neo4j-driver";
import { AppError } from "../../core/errors";
import { assertEveryEdgeStored } from "../../core/graph/normalize-topology";
import { normalizeTopology } from "../../core/graph/normalize-topology";
import type { GraphStore } from "../../core/graph/ports";
import { assertTraversalDepth } from "../../core/graph/traversal-depth";
import type { GraphSnapshot, ReplaceTopologyReport, ServiceAtDistance } from "../../core/graph/types";
import type { Criticality, DependencyKind, ResourceKind } from "../../core/topology/types";
import type { Neo4jConfig } from "./neo4j-config";

// The graph in Neo4j, in the shape the original specification drew it (docs/specification.md#blast-radius):
//   (:Service {name, tier, criticality, team, description})-[:DEPENDS_ON {kind}]->(:Service)
//   (:Service)-[:MEMBER_OF]->(:ResourceGroup {name, kind, description})
// Every value travels as a query parameter; the only thing spliced into
// Cypher is a traversal depth, which assertTraversalDepth has proved to be a
// small integer (variable-length bounds cannot be parameters).

/** Rows per UNWIND: big enough to be fast, small enough to keep one statement's memory bounded. */
const BATCH = 5_000;

export class Neo4jGraphStore implements GraphStore {
  private schemaReady: Promise<void> | null = null;

  constructor(
    private readonly driver: Driver,
    private readonly database?: string,
  ) {}

  static open(config: Neo4jConfig): Neo4jGraphStore {
    // Plain numbers back for tier and depth: they are far inside the safe-integer range.
    const driver = neo4j.driver(config.uri, neo4j.auth.basic(config.user, config.password), { disableLosslessIntegers: true });
    return new Neo4jGraphStore(driver, config.database);
  }

  async close(): Promise<void> {
    await this.driver.close();
  }

  async loadSnapshot(): Promise<GraphSnapshot> {
    return this.read(async (tx) => {
      const services = await tx.run(`MATCH (s:Service) RETURN s.name AS name, s.tier AS tier, s.criticality AS criticality, s.team AS team, s.description AS description`);
      const edges = await tx.run(`MATCH (a:Service)-[r:DEPENDS_ON]->(b:Service) RETURN a.name AS source, b.name AS target, r.kind AS kind`);
      const groups = await tx.run(
        `MATCH (g:ResourceGroup) OPTIONAL MATCH (s:Service)-[:MEMBER_OF]->(g)
         RETURN g.name AS name, g.kind AS kind, g.description AS description, collect(s.name) AS members`,
      );
      // Sorted in JavaScript, the same code-point order as the Postgres store.
      return normalizeTopology({
        services: services.records.map((r) => ({
          name: r.get("name") as string,
          tier: Number(r.get("tier")),
          criticality: r.get("criticality") as Criticality,
          team: r.get("team") as string,
          description: (r.get("description") as string | null) ?? "",
        })),
        dependencies: edges.records.map((r) => ({ from: r.get("source") as string, to: r.get("target") as string, kind: ((r.get("kind") as string | null) ?? "SYNC_API") as DependencyKind })),
        resourceGroups: groups.records.map((r) => ({
          name: r.get("name") as string,
          kind: r.get("kind") as ResourceKind,
          description: (r.get("description") as string | null) ?? "",
          members: r.get("members") as string[],
        })),
      });
    });
  }

  findDownstream(service: string, maxDepth: number): Promise<ServiceAtDistance[]> {
    const depth = assertTraversalDepth(maxDepth);
    // The documented DEPENDS_ON*1..depth traversal (docs/specification.md#blast-radius), with the depth the caller asked for and each service's fewest hops.
    return this.traverse(service, `MATCH p = (source:Service {name: $name})-[:DEPENDS_ON*1..${depth}]->(other:Service) WHERE other <> source`);
  }

  findUpstream(service: string, maxDepth: number): Promise<ServiceAtDistance[]> {
    const depth = assertTraversalDepth(maxDepth);
    return this.traverse(service, `MATCH p = (other:Service)-[:DEPENDS_ON*1..${depth}]->(source:Service {name: $name}) WHERE other <> source`);
  }

  private traverse(service: string, match: string): Promise<ServiceAtDistance[]> {
    return this.read(async (tx) => {
      const exists = await tx.run(`MATCH (s:Service {name: $name}) RETURN count(s) AS n`, { name: service });
      if (Number(exists.records[0]?.get("n") ?? 0) === 0) throw new AppError("NOT_FOUND", `Service "${service}" is not in the dependency graph`, { service });
      const result = await tx.run(`${match} RETURN other.name AS name, min(length(p)) AS depth`, { name: service });
      return result.records
        .map((r) => ({ name: r.get("name") as string, depth: Number(r.get("depth")) }))
        .sort((a, b) => a.depth - b.depth || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    });
  }

  async replaceTopology(topology: GraphSnapshot): Promise<ReplaceTopologyReport> {
    await this.ensureSchema();
    const names = topology.services.map((s) => s.name);
    const groupNames = topology.resourceGroups.map((g) => g.name);
    const session = this.driver.session({ defaultAccessMode: neo4j.session.WRITE, ...(this.database ? { database: this.database } : {}) });
    try {
      // One transaction: a failure half way leaves the previous topology in place.
      return await session.executeWrite(async (tx) => {
        const removed = await tx.run(`MATCH (s:Service) WHERE NOT s.name IN $names RETURN s.name AS name ORDER BY name`, { names });
        await tx.run(`MATCH (s:Service) WHERE NOT s.name IN $names DETACH DELETE s`, { names });
        await tx.run(`MATCH (:Service)-[r:DEPENDS_ON]->(:Service) DELETE r`);
        await tx.run(`MATCH (:Service)-[r:MEMBER_OF]->(:ResourceGroup) DELETE r`);
        await tx.run(`MATCH (g:ResourceGroup) WHERE NOT g.name IN $groupNames DETACH DELETE g`, { groupNames });
        for (const rows of chunks(topology.services.map((s) => ({ ...s, tier: neo4j.int(s.tier) })))) {
          await tx.run(
            `UNWIND $rows AS row MERGE (s:Service {name: row.name})
             SET s.tier = row.tier, s.criticality = row.criticality, s.team = row.team, s.description = row.description`,
            { rows },
          );
        }
        let dependencies = 0;
        for (const rows of chunks(topology.dependencies.map((d) => ({ source: d.from, target: d.to, kind: d.kind })))) {
          const created = await tx.run(
            `UNWIND $rows AS row MATCH (a:Service {name: row.source}), (b:Service {name: row.target})
             CREATE (a)-[:DEPENDS_ON {kind: row.kind}]->(b) RETURN count(*) AS n`,
            { rows },
          );
          dependencies += Number(created.records[0]?.get("n") ?? 0);
        }
        for (const rows of chunks(topology.resourceGroups.map(({ name, kind, description }) => ({ name, kind, description })))) {
          await tx.run(`UNWIND $rows AS row MERGE (g:ResourceGroup {name: row.name}) SET g.kind = row.kind, g.description = row.description`, { rows });
        }
        let members = 0;
        for (const rows of chunks(topology.resourceGroups.flatMap((g) => g.members.map((service) => ({ groupName: g.name, serviceName: service }))))) {
          const created = await tx.run(
            `UNWIND $rows AS row MATCH (s:Service {name: row.serviceName}), (g:ResourceGroup {name: row.groupName})
             MERGE (s)-[:MEMBER_OF]->(g) RETURN count(*) AS n`,
            { rows },
          );
          members += Number(created.records[0]?.get("n") ?? 0);
        }
        assertEveryEdgeStored(topology.dependencies.length, dependencies);
        return {
          services: names.length,
          dependencies,
          resourceGroups: groupNames.length,
          members,
          removedServices: removed.records.map((r) => r.get("name") as string),
        };
      });
    } finally {
      await session.close();
    }
  }

  /** On first write: unique names, which MERGE and the lookups above rely on (schema changes cannot share a transaction with writes). */
  private ensureSchema(): Promise<void> {
    this.schemaReady ??= (async () => {
      const session = this.driver.session(this.database ? { database: this.database } : {});
      try {
        await session.run(`CREATE CONSTRAINT interlock_service_name IF NOT EXISTS FOR (s:Service) REQUIRE s.name IS UNIQUE`);
        await session.run(`CREATE CONSTRAINT interlock_resource_group_name IF NOT EXISTS FOR (g:ResourceGroup) REQUIRE g.name IS UNIQUE`);
      } finally {
        await session.close();
      }
    })().catch((error: unknown) => {
      this.schemaReady = null;
      throw error;
    });
    return this.schemaReady;
  }

  private async read<T>(work: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
    const session = this.driver.session({ defaultAccessMode: neo4j.session.READ, ...(this.database ? { database: this.database } : {}) });
    try {
      return await session.executeRead(work);
    } finally {
      await session.close();
    }
  }
}

function* chunks<T>(rows: T[]): Generator<T[]> {
  for (let i = 0; i < rows.length; i += BATCH) yield rows.slice(i, i + BATCH);
}
