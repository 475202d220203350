import "server-only";
import { systemClock, type Clock } from "./core/clock";
import type { DependencyProbe } from "./core/health/check-readiness";
import type { MarkerStore, TopologyStore } from "./core/topology/ports";
import { seedDemoTopology } from "./core/topology/seed-demo-topology";
import { databaseConfigFromEnv, openDatabase, type Database } from "./adapters/prisma/database";
import { applyMigrations } from "./adapters/prisma/migrate";
import { PrismaMarkerStore, PrismaTopologyStore } from "./adapters/prisma/topology-store";
import { getEnv, type Env } from "./env";
import { getLogger, type Logger } from "./logger";

// The one place that builds the core from configuration. Built once per process
// and kept on globalThis so that dev hot reloads do not open a second client
// (PGlite in particular allows one opener per data directory).

export interface Container {
  env: Env;
  log: Logger;
  clock: Clock;
  db: Database;
  topology: TopologyStore;
  markers: MarkerStore;
  probes: DependencyProbe[];
}

const globalForContainer = globalThis as unknown as { __interlockContainer?: Promise<Container> };

export function getContainer(): Promise<Container> {
  globalForContainer.__interlockContainer ??= buildContainer().catch((error: unknown) => {
    // Let the next caller try again instead of caching the failure forever.
    globalForContainer.__interlockContainer = undefined;
    throw error;
  });
  return globalForContainer.__interlockContainer;
}

async function buildContainer(): Promise<Container> {
  const env = getEnv();
  const log = getLogger();
  const db = await openDatabase(databaseConfigFromEnv(env));
  try {
    const migrations = await applyMigrations(db).catch((error: unknown) => {
      throw storeError(db, env, error);
    });
    log.info({ store: db.kind, location: db.location, applied: migrations.applied, alreadyApplied: migrations.alreadyApplied }, "store ready");
    if (migrations.unknown.length > 0) log.warn({ unknown: migrations.unknown }, "the store has migrations this build does not know: is a newer version running?");

    const topology = new PrismaTopologyStore(db.prisma);
    const markers = new PrismaMarkerStore(db.prisma);
    if (env.INTERLOCK_SEED_DEMO) {
      const outcome = await seedDemoTopology({ topology, markers, now: systemClock.now() });
      if (outcome.seeded) log.info({ created: outcome.created }, "seeded the demo topology");
    }
    return { env, log, clock: systemClock, db, topology, markers, probes: [{ name: "store", check: () => db.ping() }] };
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
}

/** Closes the store if it was opened; for shutdown and tests. */
export async function disposeContainer(): Promise<void> {
  const pending = globalForContainer.__interlockContainer;
  globalForContainer.__interlockContainer = undefined;
  if (pending) await (await pending.catch(() => null))?.db.close();
}

/** Start-up failures name the store and the variable that chose it, so the fix is obvious. */
function storeError(db: Database, env: Env, error: unknown): Error {
  if (error instanceof Error && error.name === "AppError") return error; // a migration problem: already explicit
  const message = error instanceof Error ? error.message : String(error);
  const source = env.DATABASE_URL ? "DATABASE_URL" : "INTERLOCK_DATA_DIR";
  return new Error(`cannot open the store at ${db.location} (${source}): ${message}`, { cause: error });
}
