import { defineConfig } from "@playwright/test";

// Browser tests drive Debian's Chromium (npx playwright install cannot download
// here) against the built console, started the way a user starts it: once on the
// embedded store, once on the machine's Postgres.
// E2E_PORT_BASE and E2E_DB_SUFFIX let two checkouts run their browser tests at once.
const EMBEDDED_PORT = Number(process.env.E2E_PORT_BASE ?? 3100);
const POSTGRES_PORT = EMBEDDED_PORT + 1;
const adminUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const e2eDatabaseUrl = (() => {
  const url = new URL(adminUrl);
  url.pathname = `/interlock_e2e${process.env.E2E_DB_SUFFIX ?? ""}`;
  return url.toString();
})();

/** Journeys run on one project only (see `projects`). */
const EMBEDDED_ONLY = ["security-headers.spec.ts", "graph.spec.ts", "new-operation.spec.ts", "halt-banner.spec.ts", "slack-link.spec.ts", "freezes.spec.ts", "graph-sources.spec.ts"];
// overview-incidents-settings has a journey only the Postgres project can run (it writes to the database from outside the server).
const POSTGRES_ONLY = ["sign-in-throttle.spec.ts", "offboarding.spec.ts", "incidents-rules.spec.ts", "alerting.spec.ts", "overview-incidents-settings.spec.ts", "approval-policy.spec.ts"];

export default defineConfig({
  testDir: "e2e",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  // On CI a journey that fails is run once more and reported as flaky, so one slow moment on a shared
  // 2-core machine does not hide the rest of the run; a journey that fails twice fails the run.
  retries: process.env.CI ? 1 : 0,
  reporter: [["list"]],
  // After the servers are up: settings every journey relies on (e2e/global-setup.ts).
  globalSetup: "./e2e/global-setup.ts",
  use: {
    browserName: "chromium",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
    trace: "retain-on-failure",
  },
  projects: [
    // Both stores run the journeys that prove the built server end to end on each (the console, operations
    // and their controls, locks and audit, the demo, the API, the CLI, metrics). Journeys about a page or a
    // flow whose store-specific parts have their own contract suites in Vitest run once, to keep CI within
    // its time: the embedded default for the pages, the production pairing (Postgres + Redis) for
    // security-sensitive flows. The security headers come from next.config.mjs alike on both.
    { name: "embedded", testIgnore: ["startup.spec.ts", ...POSTGRES_ONLY], use: { baseURL: `http://127.0.0.1:${EMBEDDED_PORT}` } },
    { name: "postgres", testIgnore: ["startup.spec.ts", ...EMBEDDED_ONLY], use: { baseURL: `http://127.0.0.1:${POSTGRES_PORT}` } },
    // Start-up failures of the built server: run once, no store of their own.
    { name: "startup", testMatch: "startup.spec.ts" },
  ],
  // Started one after the other, so the second finds the console already built.
  webServer: [
    {
      command: "node scripts/e2e-server.mjs",
      env: { PORT: String(EMBEDDED_PORT), INTERLOCK_DATA_DIR: ".data/e2e", DATABASE_URL: "", E2E_FRESH: "pglite",
        // graph-sources.spec.ts writes a catalog here (inside the data dir, so every run starts without one) and refreshes it by hand.
        GRAPH_CATALOG_PATHS: ".data/e2e/catalog", GRAPH_REFRESH_INTERVAL: "0" },
      url: `http://127.0.0.1:${EMBEDDED_PORT}/api/ready`,
      timeout: 300_000,
      reuseExistingServer: false,
      stdout: "pipe",
    },
    {
      command: "node scripts/e2e-server.mjs",
      env: { PORT: String(POSTGRES_PORT), DATABASE_URL: e2eDatabaseUrl, AUTH_SECRET: "e2e-only-secret-6f1c2d9a8b7e4f30a1b2c3d4e5f6a7b8", AUTH_URL: `http://127.0.0.1:${POSTGRES_PORT}`, INTERLOCK_DEMO_USERS: "true", INTERLOCK_INSECURE_DEMO_USERS: "true", INTERLOCK_DATA_DIR: ".data/e2e-postgres", E2E_ADMIN_URL: adminUrl, E2E_FRESH: "postgres",
        // Off by default with DATABASE_URL: the journeys run on the demo topology, and the demo page's (runs in its sandbox) is one of them.
        INTERLOCK_SEED_DEMO: "true", INTERLOCK_DEMO: "true",
        // The production pairing: locks on Redis (the CLI's journeys check them there), under a prefix of this run's own.
        REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379", LOCK_KEY_PREFIX: `interlock:e2e${process.env.E2E_DB_SUFFIX ?? ""}:${process.pid}:` },
      url: `http://127.0.0.1:${POSTGRES_PORT}/api/ready`,
      timeout: 300_000,
      reuseExistingServer: false,
      stdout: "pipe",
    },
  ],
});
