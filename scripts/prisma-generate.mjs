// Generates the Prisma client (postinstall). Prisma 7's client needs no engine,
// but its CLI still looks for a schema-engine binary and would download one;
// this machine reaches only the npm registry, so we point it at a placeholder
// that explains itself if anything ever tries to run it (migrations are applied
// by the project: server/adapters/postgres/migrate.ts).
import { spawnSync } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const result = spawnSync(process.execPath, [path.join(root, "node_modules", "prisma", "build", "index.js"), "generate"], {
  cwd: root,
  stdio: "inherit",
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: path.join(root, "scripts", "prisma-schema-engine-placeholder"),
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    CHECKPOINT_DISABLE: "1",
  },
});
process.exit(result.status ?? 1);
