// The graph stores a command-line script writes to or reads from, chosen the
// way the server chooses them: Postgres (or embedded PGlite) always holds the
// services, because operations refer to their rows; Neo4j, when NEO4J_URI is
// set, holds the copy the server's graph queries read.
import { neo4jConfigFromEnv } from "../../server/adapters/neo4j/neo4j-config";
import { Neo4jGraphStore } from "../../server/adapters/neo4j/neo4j-graph-store";
import type { Database } from "../../server/adapters/postgres/database";
import { PostgresGraphStore } from "../../server/adapters/postgres/postgres-graph-store";
import type { GraphStore } from "../../server/core/graph/ports";
import type { Env } from "../../server/env";
import { loadConfigOrExit } from "./config";
import { openScriptDatabase } from "./database";

export interface ScriptGraphStores {
  env: Env;
  db: Database;
  postgres: GraphStore;
  neo4j: (GraphStore & { close(): Promise<void> }) | null;
  /** Where `graph:export` reads: Neo4j when configured, else Postgres. */
  primary: GraphStore;
  describe(): string;
  close(): Promise<void>;
}

export async function openScriptGraphStores(options: { busyHint?: string } = {}): Promise<ScriptGraphStores> {
  const env = loadConfigOrExit();
  const neo4jConfig = neo4jConfigFromEnv(process.env);
  const db = await openScriptDatabase(env, options);
  const postgres = new PostgresGraphStore(db);
  const neo4j = neo4jConfig ? Neo4jGraphStore.open(neo4jConfig) : null;
  return {
    env,
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
