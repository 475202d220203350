import { AppError } from "../errors";
import type { Clock } from "../clock";
import { isoFromMicros, prepareEvent, sealPrepared } from "./canonical-hash";
import type { CheckpointSigner } from "./checkpoint-signing";
import type { AuditStore, CheckpointSink, StoreTransaction } from "./ports";
import { AUDIT_CATEGORIES, AUDIT_SEVERITIES, type AuditCheckpoint, type AuditEventInput, type AuditRecord } from "./types";

export interface AuditLogConfig {
  /** Take a checkpoint once this many events were appended since the last one. */
  checkpointEvery: number;
  /** …or once this much time passed with new events (milliseconds). */
  checkpointIntervalMs: number;
  /** Largest batch one group commit writes. */
  maxBatch: number;
}

export interface AuditLogDeps {
  store: AuditStore;
  sink: CheckpointSink;
  signer: CheckpointSigner;
  clock: Clock;
  config: AuditLogConfig;
  /** Told about background failures (a checkpoint that could not be written). */
  onBackgroundError?: (error: unknown) => void;
}

interface Pending {
  input: AuditEventInput;
  resolve: (record: AuditRecord) => void;
  reject: (error: unknown) => void;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Refuses an event the store could not keep faithfully, before it takes the chain lock. */
export function assertValidAuditInput(input: AuditEventInput): void {
  const problems: string[] = [];
  if (!AUDIT_CATEGORIES.includes(input.category)) problems.push(`category "${String(input.category)}" is not one of ${AUDIT_CATEGORIES.join(", ")}`);
  if (!AUDIT_SEVERITIES.includes(input.severity)) problems.push(`severity "${String(input.severity)}" is not one of ${AUDIT_SEVERITIES.join(", ")}`);
  if (!input.actor) problems.push("actor is empty");
  if (!input.action) problems.push("action is empty");
  if (input.operationId != null && !UUID.test(input.operationId)) problems.push(`operationId "${input.operationId}" is not a UUID`);
  if (input.payload !== undefined && (typeof input.payload !== "object" || input.payload === null || Array.isArray(input.payload))) problems.push("payload must be a JSON object");
  if (problems.length > 0) throw new AppError("VALIDATION_FAILED", `Invalid audit event: ${problems.join("; ")}`, { problems });
}

/**
 * The audit log: appends events to the hash chain and anchors its head in
 * signed checkpoints.
 *
 * Concurrent `append` calls in one process are group-committed: whoever finds
 * the queue idle writes everything queued so far in one transaction (one lock,
 * one INSERT), so eight writers cost about one round trip each, not eight.
 * Writers in other processes queue on the store's chain lock, so the chain
 * never forks.
 */
export class AuditLog {
  private queue: Pending[] = [];
  private flushing = false;
  private lastCheckpointSeq: number | null = null;
  private checkpointing: Promise<AuditCheckpoint | null> | null = null;
  private checkpointAgain = false;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly deps: AuditLogDeps) {}

  /** Appends one event (group-committed with any concurrent appends) and resolves once it is durable. */
  async append(input: AuditEventInput): Promise<AuditRecord> {
    assertValidAuditInput(input);
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  /** Appends a batch in one transaction of its own; the events are contiguous in the chain. */
  async appendMany(inputs: AuditEventInput[]): Promise<AuditRecord[]> {
    inputs.forEach(assertValidAuditInput);
    const records = await this.write(null, inputs);
    this.afterAppend(records);
    return records;
  }

  /**
   * Appends inside the caller's transaction, so the events commit or roll back
   * with whatever else the transaction changes. The chain lock is held until
   * that transaction ends: keep such transactions short.
   */
  async appendInTransaction(tx: StoreTransaction, inputs: AuditEventInput[]): Promise<AuditRecord[]> {
    inputs.forEach(assertValidAuditInput);
    return this.write(tx, inputs);
  }

  /**
   * Tells the log that events appended with appendInTransaction are now
   * committed, so the count-based checkpoint sees them too (the caller knows
   * when its transaction committed; the log does not).
   */
  committed(records: AuditRecord[]): void {
    this.afterAppend(records);
  }

  private write(tx: StoreTransaction | null, inputs: AuditEventInput[]): Promise<AuditRecord[]> {
    const prepared = inputs.map(prepareEvent);
    return this.deps.store.appendUnderLock(tx, async (writer) => {
      const head = await writer.head();
      // Timestamps are taken under the lock, so they never go backwards along the chain within a process.
      const records = sealPrepared(head, prepared.map((event) => ({ event, at: isoFromMicros(this.deps.clock.nowMicros()) })));
      await writer.insert(records);
      return records;
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        // Let every writer whose previous append just resolved queue its next one
        // first: one turn of the event loop turns 1 + 7 into batches of 8.
        await new Promise((resolve) => setImmediate(resolve));
        const batch = this.queue.splice(0, this.deps.config.maxBatch);
        try {
          const records = await this.write(null, batch.map((p) => p.input));
          batch.forEach((p, i) => p.resolve(records[i]!));
          this.afterAppend(records);
        } catch (error) {
          batch.forEach((p) => p.reject(error));
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private afterAppend(records: AuditRecord[]): void {
    const last = records.at(-1);
    if (!last) return;
    if (this.lastCheckpointSeq === null || last.seq - this.lastCheckpointSeq >= this.deps.config.checkpointEvery) this.requestCheckpoint();
  }

  /** A background checkpoint; if one is running, another follows it so no threshold crossing is lost. */
  private requestCheckpoint(): void {
    if (this.checkpointing) {
      this.checkpointAgain = true;
      return;
    }
    this.checkpoint().catch((error) => this.deps.onBackgroundError?.(error));
  }

  /**
   * Signs the head as of now and keeps it in the table and in the sink; nothing
   * when that head is already checkpointed. One at a time per process (a call
   * during another waits for it, then checkpoints the newer head); across
   * processes the table's unique seq keeps one row per head.
   */
  async checkpoint(): Promise<AuditCheckpoint | null> {
    while (this.checkpointing) await this.checkpointing.catch(() => null);
    const running = this.takeCheckpoint().finally(() => {
      this.checkpointing = null;
      if (this.checkpointAgain) {
        this.checkpointAgain = false;
        this.requestCheckpoint();
      }
    });
    this.checkpointing = running;
    return running;
  }

  private async takeCheckpoint(): Promise<AuditCheckpoint | null> {
    const head = await this.deps.store.head();
    if (this.lastCheckpointSeq === null) {
      const existing = await this.deps.store.listCheckpoints();
      this.lastCheckpointSeq = existing.at(-1)?.seq ?? 0;
    }
    if (!head || head.seq <= this.lastCheckpointSeq) return null;
    const checkpoint = this.deps.signer.sign({ seq: head.seq, hash: head.hash, count: head.seq, at: this.deps.clock.now().toISOString() });
    if (await this.deps.store.insertCheckpoint(checkpoint)) await this.deps.sink.append(checkpoint);
    this.lastCheckpointSeq = head.seq;
    return checkpoint;
  }

  /** Resolves when nothing is queued or being checkpointed: for shutdown and tests. */
  async settle(): Promise<void> {
    while (this.flushing || this.queue.length > 0 || this.checkpointing || this.checkpointAgain) {
      await (this.checkpointing?.catch(() => null) ?? new Promise((resolve) => setTimeout(resolve, 5)));
    }
  }

  /** Checkpoints every `checkpointIntervalMs` while there are new events. */
  startCheckpointTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      void this.checkpoint().catch((error) => this.deps.onBackgroundError?.(error));
    }, this.deps.config.checkpointIntervalMs);
    this.timer.unref?.();
  }

  stopCheckpointTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
