// Starts the console for the browser tests on a store wiped clean, so every run
// sees a first start (migrations and demo seed included), then hands over to
// `npm start`'s own script.
import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import pg from "pg";

const root = path.resolve(import.meta.dirname, "..");
if (process.env.E2E_FRESH === "pglite") {
  fs.rmSync(path.join(root, process.env.INTERLOCK_DATA_DIR ?? ".data/e2e"), { recursive: true, force: true });
} else if (process.env.E2E_FRESH === "postgres") {
  // A fresh database needs a fresh checkpoint file too.
  fs.rmSync(path.join(root, process.env.INTERLOCK_DATA_DIR ?? ".data/e2e-postgres"), { recursive: true, force: true });
  const name = new URL(process.env.DATABASE_URL).pathname.slice(1);
  const admin = new pg.Client({ connectionString: process.env.E2E_ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
}
const child = spawn(process.execPath, [path.join(root, "node_modules", "tsx", "dist", "cli.mjs"), "--conditions=react-server", "scripts/start.ts"], { cwd: root, stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code) => process.exit(code ?? 1));
