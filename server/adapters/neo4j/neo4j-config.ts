import "server-only";
import { z } from "zod";

import { NEO4J_ENV_FIELDS } from "../../env";

// The same rules server/env.ts applies at start-up (validated, never echoed),
// usable on any set of variables (the CLI tools and tests pass their own).
const ZNeo4jEnv = z.object(NEO4J_ENV_FIELDS);

export interface Neo4jConfig {
  uri: string;
  user: string;
  password: string;
  database?: string;
}

/** The Neo4j connection the environment asks for, or null when NEO4J_URI is unset. */
export function neo4jConfigFromEnv(source: Record<string, string | undefined>): Neo4jConfig | null {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([key, v]) => key.startsWith("NEO4J_") && v !== undefined && v !== ""));
  const result = ZNeo4jEnv.safeParse(cleaned);
  if (!result.success) {
    throw new Error(`Invalid configuration:\n${result.error.issues.map((i) => `  ${String(i.path[0])}: ${i.message}`).join("\n")}`);
  }
  const env = result.data;
  if (!env.NEO4J_URI) return null;
  return { uri: env.NEO4J_URI, user: env.NEO4J_USER, password: env.NEO4J_PASSWORD, ...(env.NEO4J_DATABASE ? { database: env.NEO4J_DATABASE } : {}) };
}
