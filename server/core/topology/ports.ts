import type { ServiceSummary, TopologySpec } from "./types";

/** Where the dependency graph is kept (Postgres by default; Neo4j later). */
export interface TopologyStore {
  /** Every service with its edges and resource groups, ordered by tier then name. */
  listServices(): Promise<ServiceSummary[]>;
  /**
   * Inserts the services, edges and groups that are missing and leaves existing
   * ones untouched, all in one transaction. Returns how many rows were created.
   */
  insertMissing(topology: TopologySpec): Promise<{ services: number; dependencies: number; resourceGroups: number; members: number }>;
}

/** A small key/value memory for one-time work (first-start seeding and the like). */
export interface MarkerStore {
  get(key: string): Promise<unknown | null>;
  /** Sets the key if it is not set yet; returns false when it already was. */
  setIfAbsent(key: string, value: unknown, by: string): Promise<boolean>;
}
