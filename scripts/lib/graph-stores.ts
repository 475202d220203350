// The graph stores a command-line script writes to or reads from, chosen the
// way the server chooses them: Postgres (or embedded PGlite) always holds the
// services, because operations refer to their rows; Neo4j, when NEO4J_URI is
// set, holds the copy the server's graph queries read.
import { neo4jConfigFromEnv } from "../../server/adapters/neo4j/neo4j-config";
import { Neo4jGraphStore } from "../../server/adapters/neo4j/neo4j-graph-store";
import { databaseConfigFromEnv, openDatabase, type Database } from "../../server/adapters/prisma/database";
import { applyMigrations } from "../../server/adapters/prisma/migrate";
import { PostgresGraphStore } from "../../server/adapters/prisma/postgres-graph-store";
import type { GraphStore } from "../../server/core/graph/ports";
import { loadConfigOrExit } from "./config";

export interface ScriptGraphStores {
  db: Database;
  postgres: GraphStore;
  neo4j: (GraphStore & { close(): Promise<void> }) | null;
  /** Where `graph:export` reads: Neo4j when configured, else Postgres. */
  primary: GraphStore;
  describe(): string;
  close(): Promise<void>;
}

export async function openScriptGraphStores(): Promise<ScriptGraphStores> {
  const env = loadConfigOrExit();
  const neo4jConfig = neo4jConfigFromEnv(process.env);
  let db: Database;
  try {
    db = await openDatabase({ ...databaseConfigFromEnv(env), ...(env.DATABASE_URL ? { poolSize: 2 } : {}) });
  } catch (error) {
    // The embedded store takes one process at a time: say so instead of a stack trace.
    console.error(`Cannot open the store: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  await applyMigrations(db);
  const postgres = new PostgresGraphStore(db);
  const neo4j = neo4jConfig ? Neo4jGraphStore.open(neo4jConfig) : null;
  return {
    db,
    postgres,
    neo4j,
    primary: neo4j ?? postgres,
    describe: () => `${db.location}${neo4jConfig ? ` and Neo4j at ${neo4jConfig.uri}` : ""}`,
    async close() {
      await neo4j?.close();
      await db.close();
    },
  };
}
