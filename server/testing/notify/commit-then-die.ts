// A process of the notification crash test (commit-then-die.integration.test.ts)
// that SIGKILLs itself at a chosen point, so that what it committed (or did
// not) is all the next process has to go on, as after a crash in production:
//
// - "pause": a real orchestrator pauses an operation for human review (the
//   review request is due to approvers); the process kills itself in the
//   orchestrator's onEvent, right after the commit and before any dispatcher
//   could read it;
// - "mid-dispatch": a dispatcher reads the events past the cursor, enqueues
//   the first of their notifications inside its transaction, and dies there
//   (nothing of that transaction commits);
// - "after-dispatch": a dispatcher commits its batch (notifications and
//   cursor) and dies before anything is delivered.
//
// Run as:
//   node --conditions=react-server --import tsx server/testing/notify/commit-then-die.ts
// with its config (CommitThenDieConfig, JSON) in the env COMMIT_THEN_DIE_CONFIG.
// It writes JSON lines on stdout ({"type":"committed"|"dispatching"|"fatal", …}).
import { openDatabase } from "../../adapters/postgres/database";
import { systemClock } from "../../core/clock";
import type { NotificationStore } from "../../core/notify/ports";
import { auditFixture } from "../audit";
import { orchestratorFixture } from "../orchestrator";
import { testNotifier } from "./notifier-fixture";

export interface CommitThenDieConfig {
  databaseUrl: string;
  mode: "pause" | "mid-dispatch" | "after-dispatch";
  /** "pause": the service whose deployment is paused (its error budget is made to fail the gate). */
  service?: string;
  /** The dispatcher's channels (the same as the test's, so a batch yields the same deliveries). */
  channelEnv?: Record<string, string>;
  cursorName?: string;
}

const say = (message: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(message)}\n`);
const die = () => process.kill(process.pid, "SIGKILL");

async function main(): Promise<void> {
  const config = JSON.parse(process.env.COMMIT_THEN_DIE_CONFIG ?? "{}") as CommitThenDieConfig;
  const db = await openDatabase({ kind: "postgres", url: config.databaseUrl, poolSize: 4 });
  const audit = auditFixture(db);

  if (config.mode === "pause") {
    const service = config.service!;
    const fixture = await orchestratorFixture({ db, locks: "store", audit, seedTopology: false, config: { timeScale: 100_000 } });
    fixture.signals.set(service, { errorBudgetPct: 9 });
    fixture.orchestrator.onEvent((event) => {
      if (event.state !== "PAUSED_FOR_HUMAN_REVIEW") return;
      say({ type: "committed", operationId: event.operationId, state: event.state });
      die(); // after the commit, before anything else runs: no dispatcher, no flush
    });
    await fixture.orchestrator.start();
    await fixture.orchestrator.submit({ type: "DEPLOYMENT", service, actor: "operator@interlock.local", params: { version: `v-crash-${process.pid}` } });
    return; // the worker drives it; the listener ends the process
  }

  const notifier = testNotifier({
    db,
    channelEnv: config.channelEnv ?? {},
    audit: audit.log,
    clock: systemClock,
    config: config.cursorName ? { cursorName: config.cursorName } : {},
    store: (real): NotificationStore =>
      Object.assign(Object.create(real) as NotificationStore, {
        enqueue: async (...args: Parameters<NotificationStore["enqueue"]>) => {
          const row = await real.enqueue(...args);
          if (config.mode === "mid-dispatch") {
            say({ type: "dispatching", enqueued: row.id });
            die(); // inside the dispatch transaction: it never commits
          }
          return row;
        },
        advanceCursor: async (...args: Parameters<NotificationStore["advanceCursor"]>) => {
          const moved = await real.advanceCursor(...args);
          if (moved && config.mode === "after-dispatch") {
            say({ type: "committed", through: args[2] });
            die(); // the batch is committed; nothing is delivered yet
          }
          return moved;
        },
      }),
  });
  await notifier.dispatch();
  say({ type: "fatal", message: "dispatched without reaching the point of death (nothing to dispatch?)" });
  process.exit(2);
}

main().catch((error: unknown) => {
  say({ type: "fatal", message: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined });
  process.exit(1);
});
