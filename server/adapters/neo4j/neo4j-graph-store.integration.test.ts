// The GraphStore contract against a real Neo4j. No Neo4j server can run on the
// development machines (README.md#what-npm-test-needs), so this suite runs only when NEO4J_URI
// is set, e.g. NEO4J_URI=bolt://localhost:7687 NEO4J_PASSWORD=… npx vitest run server/adapters/neo4j
// and says so loudly otherwise. Point it at a throwaway database: the contract
// replaces the whole graph (NEO4J_DATABASE chooses the database, default the server's).
import { afterAll, beforeAll, describe } from "vitest";
import { graphStoreContract } from "../../testing/graph-store-contract";
import { neo4jConfigFromEnv } from "./neo4j-config";
import { Neo4jGraphStore } from "./neo4j-graph-store";

const config = neo4jConfigFromEnv(process.env);
if (!config) console.warn("Neo4j graph store contract skipped: NEO4J_URI is not set (no Neo4j server on this machine; set NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD to run it)");

describe.skipIf(!config)("Neo4jGraphStore", () => {
  let store: Neo4jGraphStore;

  beforeAll(() => {
    store = Neo4jGraphStore.open(config!);
  });
  afterAll(async () => {
    await store?.replaceTopology({ services: [], dependencies: [], resourceGroups: [] }).catch(() => {});
    await store?.close();
  });

  graphStoreContract(() => store);
});
