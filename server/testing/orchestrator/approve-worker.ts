// A process that approves one review, for the N-of-M concurrency test
// (approval-quorum.integration.test.ts, docs/approvals.md#counting): its own
// connections and orchestrator over the test's database, as a replica of the
// server is. It reports {"type":"ready"} on stdout, approves on the line "go"
// on stdin, reports {"type":"result", ...} (the quorum, or the refusal's code
// and message) and exits.
//
// Run as:
//   node --conditions=react-server --import tsx server/testing/orchestrator/approve-worker.ts
// with {databaseUrl, operationId, actor} (JSON) in the env APPROVE_WORKER_CONFIG.
import readline from "node:readline";
import { openDatabase } from "../../adapters/postgres/database";
import { isAppError } from "../../core/errors";
import { orchestratorFixture } from "../orchestrator";

const config = JSON.parse(process.env.APPROVE_WORKER_CONFIG ?? "{}") as { databaseUrl: string; operationId: string; actor: string };
const db = await openDatabase({ kind: "postgres", url: config.databaseUrl, poolSize: 2 });
const f = await orchestratorFixture({ db, locks: "store", seedTopology: false });
const say = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);
say({ type: "ready", pid: process.pid });
const lines = readline.createInterface({ input: process.stdin });
for await (const line of lines) {
  if (line.trim() !== "go") continue;
  try {
    const decision = await f.orchestrator.decide({ operationId: config.operationId, decision: "APPROVE", actor: config.actor, role: "APPROVER" });
    say({ type: "result", ok: true, met: decision.quorum.met, summary: decision.quorum.summary });
  } catch (error) {
    say({ type: "result", ok: false, code: isAppError(error) ? error.code : "UNEXPECTED", message: error instanceof Error ? error.message : String(error) });
  }
  break;
}
lines.close();
await f.audit.log.settle();
await f.close();
await db.close();
process.exit(0);
