// The write floor of an operation: the rows the orchestrator's requirements say an
// operation must leave in the store (docs/operations.md: its row, every state
// change with its transition, the gate results, the audit trail), written with
// nothing else going on. Per operation:
//   - the operation row (inserted at submit), with the submit's audit event;
//   - four state changes (INIT → LOCKED → SAFETY_CHECK → IN_PROGRESS → COMPLETED),
//     each a guarded UPDATE of the operation row, a transition row and one audit
//     event, committed together and in its own transaction (a step is durable
//     before the next begins);
//   - six gate results, with the SAFETY_CHECK step.
// That is 5 row versions, 4 transitions, 6 gate results and 5 audit events, less
// than the orchestrator writes (it also audits conflicts, locks and gates). The
// audit events are real: the product's own chain append (advisory lock, head,
// canonical text, SHA-256) over the product's own schema, so the chain verifies.
// Batches are as large as suits Postgres best here (256 operations per
// transaction, 4 connections) and no orchestration logic runs: no conflict check,
// no gates, no locks, no claim. What it measures is how many operations per
// second Postgres could possibly record on this machine, whatever the design of
// the code that drives them.
import crypto from "node:crypto";
import type { Database } from "../server/adapters/postgres/database";
import { PrismaAuditStore } from "../server/adapters/postgres/audit-store";
import { runInRawTransaction, sqlOf } from "../server/adapters/postgres/transactions";
import type { StoreTransaction } from "../server/core/audit/ports";
import { sealEvents } from "../server/core/audit/canonical-hash";
import type { AuditEventInput } from "../server/core/audit/types";

const STEPS = [
  ["INIT", "LOCKED"],
  ["LOCKED", "SAFETY_CHECK"],
  ["SAFETY_CHECK", "IN_PROGRESS"],
  ["IN_PROGRESS", "COMPLETED"],
] as const;

export interface WriteFloor {
  opsS: number;
  ops: number;
  batch: number;
  connections: number;
}

/** Runs for `seconds` on `db` (a migrated database of its own: it writes to the audit chain). */
export async function measureWriteFloor(db: Database, serviceIds: string[], seconds: number, batch = 256, connections = 4): Promise<WriteFloor> {
  const audit = new PrismaAuditStore(db);
  const append = (tx: StoreTransaction, ids: string[], action: string) =>
    audit.appendUnderLock(tx, async (writer) => {
      const at = new Date().toISOString().replace("Z", "000Z");
      const inputs = ids.map((id): { input: AuditEventInput; at: string } => ({
        input: { category: "STATE_TRANSITION", severity: "INFO", actor: "bench", action, service: "floor", operationId: id, correlationId: id, payload: { step: action } },
        at,
      }));
      await writer.insert(sealEvents(await writer.head(), inputs));
    });

  let next = 0;
  let done = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        const ids = Array.from({ length: batch }, () => crypto.randomUUID());
        const services = ids.map(() => serviceIds[next++ % serviceIds.length]!);
        await runInRawTransaction(db, async (tx) => {
          await sqlOf(tx).query(
            `INSERT INTO operations (id, type, service_id, actor, actor_kind, correlation_id, params_hash, inflight_key, params, updated_at)
             SELECT w.id, 'DEPLOYMENT', w.s, 'bench', 'AUTOMATION', w.id::text, 'h', w.id::text, '{"version":"1"}', now() FROM unnest($1::uuid[], $2::uuid[]) AS w(id, s)`,
            [ids, services],
          );
          await append(tx, ids, "operation.submitted");
        });
        for (const [version, [from, to]] of STEPS.entries()) {
          await runInRawTransaction(db, async (tx) => {
            const sql = sqlOf(tx);
            const finished = to === "COMPLETED";
            await sql.query(
              `UPDATE operations o SET state = $2::"OperationState", version = $3, updated_at = now(),
                      finished_at = CASE WHEN $4 THEN now() END, inflight_key = CASE WHEN $4 THEN NULL ELSE o.inflight_key END
               FROM unnest($1::uuid[]) AS w(id) WHERE o.id = w.id AND o.version = $3 - 1 AND o.state = $5::"OperationState"`,
              [ids, to, version + 1, finished, from],
            );
            await sql.query(
              `INSERT INTO operation_transitions (id, operation_id, from_state, to_state, version, actor, metadata, at)
               SELECT gen_random_uuid(), w.id, $2::"OperationState", $3::"OperationState", $4, 'bench', '{}', now() FROM unnest($1::uuid[]) AS w(id)`,
              [ids, from, to, version + 1],
            );
            if (to === "SAFETY_CHECK") {
              await sql.query(
                `INSERT INTO gate_results (id, operation_id, gate, passed, observed, threshold, reason)
                 SELECT gen_random_uuid(), w.id, g, true, 1, 2, 'within threshold' FROM unnest($1::uuid[]) AS w(id), unnest(enum_range(NULL::"SafetyGate")) AS g`,
                [ids],
              );
            }
            await append(tx, ids, `operation.${to.toLowerCase()}`);
          });
        }
        done += batch;
      }
    }),
  );
  return { opsS: done / ((performance.now() - start) / 1000), ops: done, batch, connections };
}
