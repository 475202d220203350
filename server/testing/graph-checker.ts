// A separate process that runs conflict checks with its own CachedGraphIndex,
// refreshing as eagerly as it can, while another process changes the graph:
// used by graph-change-atomicity.integration.test.ts (docs/graph-changes.md#atomicity).
//   tsx --conditions=react-server server/testing/graph-checker.ts <databaseUrl> <minChecks>
// stdin: "go" starts the checks; "done <revision>" says the last change is
// committed: the checker stops once it has used that revision and run at least
// <minChecks>. stdout: one JSON line { checks: [revision, candidate, key][], loads: { whole, caughtUp } }.
import readline from "node:readline";
import { openDatabase } from "../adapters/postgres/database";
import { PostgresGraphChangeStore } from "../adapters/postgres/graph-change-store";
import { PostgresGraphStore } from "../adapters/postgres/postgres-graph-store";
import { CachedGraphIndex } from "../core/graph/cached-graph-index";
import { checkKey, CHECKER_CANDIDATES, checkerInFlight } from "./graph-checks";

const [url, minArg] = process.argv.slice(2);
const minChecks = Number(minArg);
const db = await openDatabase({ kind: "postgres", url: url!, poolSize: 2 });
const changes = new PostgresGraphChangeStore(db);
const cache = new CachedGraphIndex(new PostgresGraphStore(db), 30_000, { revision: () => changes.revision(), loadRevisioned: () => changes.loadRevisioned(), diffsSince: (r) => changes.revisionDiffsSince(r), checkEveryMs: 0 });

let started!: () => void;
const go = new Promise<void>((resolve) => (started = resolve));
let finalRevision: number | null = null;
readline.createInterface({ input: process.stdin }).on("line", (line) => {
  if (line === "go") started();
  const done = /^done (\d+)$/.exec(line);
  if (done) finalRevision = Number(done[1]);
});

await cache.current(new Date());
console.log("ready");
await go;
const inFlight = checkerInFlight();
const checks: [number, string, string][] = [];
for (let i = 0; ; i++) {
  const { index, revision } = await cache.currentWithRevision(new Date());
  const candidate = CHECKER_CANDIDATES[i % CHECKER_CANDIDATES.length]!;
  checks.push([revision!, candidate, checkKey(index, candidate, inFlight)]);
  if (checks.length >= minChecks && finalRevision !== null && revision === finalRevision) break;
  // Let the background revision checks and reloads run between checks.
  await new Promise((resolve) => setTimeout(resolve, 1));
}
await db.close();
// Exit only once the line is written: a pipe is asynchronous, and exit() would cut it short.
process.stdout.write(`${JSON.stringify({ checks, loads: cache.loads })}\n`, () => process.exit(0));
