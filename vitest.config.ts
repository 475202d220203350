import path from "node:path";
import { defineConfig } from "vitest/config";

const root = import.meta.dirname;

export default defineConfig({
  resolve: {
    alias: {
      "server-only": path.join(root, "server/testing/server-only-stub.ts"),
      "@": root,
    },
  },
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", ".next/**", "e2e/**", ".data/**"],
    environment: "node",
    // Integration tests talk to real Postgres and start processes: give them room
    // on a shared 2-core machine. Timing is never asserted.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Two test files at a time: most integration suites wait on Postgres, Redis, timers and child
    // processes rather than on the CPU, so two overlap well even on 2 cores (Vitest's default here is one).
    maxWorkers: 2,
  },
});
