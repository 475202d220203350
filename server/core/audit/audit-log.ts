import { AppError } from "../errors";
import type { Clock } from "../clock";
import { isoFromMicros, prepareEvent, sealPrepared } from "./canonical-hash";
import type { CheckpointSigner } from "./checkpoint-signing";
import { nextCheckpointAt, unsignedGraceMs } from "./checkpoint-schedule";
import type { AuditStore, CheckpointSink, StoreTransaction } from "./ports";
import { AUDIT_CATEGORIES, AUDIT_SEVERITIES, type AuditCheckpoint, type AuditEventInput, type AuditRecord, type VerificationResult } from "./types";
import { resultOfScan } from "./verify-audit-log";

/** The action of a verification verdict (verify-and-record.ts reads and writes it too). */
const VERIFIED_ACTION = "audit.verified";

export interface AuditLogConfig {
  /** Take a checkpoint once this many events were appended since the last one. */
  checkpointEvery: number;
  /** Sweep for events other processes appended (and retry a refused checkpoint) this often (milliseconds). */
  checkpointIntervalMs: number;
  /** Sign this process's events no later than this long after the first unsigned one (milliseconds; default 5 s). */
  checkpointDelayMs?: number;
  /** Largest batch one group commit writes. */
  maxBatch: number;
}

const DEFAULT_CHECKPOINT_DELAY_MS = 5_000;
/** How many of its own unsigned events a process remembers to compare with what the store kept. */
const MAX_REMEMBERED = 100_000;

export interface AuditLogDeps {
  store: AuditStore;
  sink: CheckpointSink;
  signer: CheckpointSigner;
  clock: Clock;
  config: AuditLogConfig;
  /** Told about background failures (a checkpoint that could not be written). */
  onBackgroundError?: (error: unknown) => void;
  /** Told when a checkpoint is refused because the chain since the last one does not verify. */
  onCheckpointRefused?: (result: VerificationResult) => void;
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
  private checkpointing: Promise<AuditCheckpoint | null> | null = null;
  private checkpointAgain = false;
  private timer: ReturnType<typeof setInterval> | null = null;
  private dueTimer: ReturnType<typeof setTimeout> | null = null;
  /**
   * The hash this process computed for each event it appended (and saw
   * committed) that no checkpoint it took has vouched for yet, with when it was
   * appended: before signing, the store must still hold exactly these.
   */
  private written = new Map<number, { hash: string; atMs: number }>();
  /** The highest seq this process appended. */
  private highestWritten = 0;
  /** The newest checkpoint this process signed or read with a valid signature: where the next verification starts. */
  private base: AuditCheckpoint | null = null;
  private baseLoaded = false;
  /** Checkpoints of what this process wrote where the store now holds something else (kept so every later check fails there too). */
  private evidence: AuditCheckpoint[] = [];
  private refusedUntilMs: number | null = null;
  private lastRefusal: string | null = null;

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
    if (records.length === 0) return;
    const atMs = this.deps.clock.now().getTime();
    for (const record of records) {
      this.written.set(record.seq, { hash: record.hash, atMs });
      this.highestWritten = Math.max(this.highestWritten, record.seq);
    }
    // Bounded memory even if checkpoints keep failing: forget the oldest (the newest, the head, matter most).
    for (const seq of this.written.keys()) {
      if (this.written.size <= MAX_REMEMBERED) break;
      this.written.delete(seq);
    }
    this.scheduleCheckpoint();
  }

  /** Takes the checkpoint now when due, else arranges to take it when it will be (docs/spec/audit.md#checkpoints). */
  private scheduleCheckpoint(): void {
    const now = this.deps.clock.now();
    const oldest = this.written.values().next().value;
    const tail = { oldestAtMs: oldest?.atMs ?? null, count: this.highestWritten - (this.base?.seq ?? 0) };
    const due = nextCheckpointAt(tail, { delayMs: this.delayMs, every: this.deps.config.checkpointEvery }, now, this.refusedUntilMs);
    if (due === "now") {
      this.requestCheckpoint();
    } else if (due !== null && !this.dueTimer) {
      // A real-time timer: when it fires the delay has passed, whatever the clock says.
      this.dueTimer = setTimeout(() => {
        this.dueTimer = null;
        this.requestCheckpoint();
      }, Math.max(0, due - now.getTime()));
      this.dueTimer.unref?.();
    }
  }

  private get delayMs(): number {
    return this.deps.config.checkpointDelayMs ?? DEFAULT_CHECKPOINT_DELAY_MS;
  }

  /**
   * How old an unsigned tail may be before verification calls it missing
   * evidence, for this configuration (checkpoint-schedule.ts).
   */
  get unsignedGraceMs(): number {
    return unsignedGraceMs({ delayMs: this.delayMs, intervalMs: this.deps.config.checkpointIntervalMs });
  }

  /** The clock the log stamps events with, for verdicts that compare against event times. */
  now(): Date {
    return this.deps.clock.now();
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
   * Verifies the chain since the last checkpoint and, when it holds, signs the
   * head and keeps the checkpoint in the table and in the sink; nothing when
   * that head is already checkpointed. One at a time per process (a call
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
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.dueTimer = null;
    // In this order: every event in `mine` committed before the base was read, and
    // the base before the head, so the head is at or past all of them (unless the chain was cut).
    // Events appended while this runs are checked next time.
    const mine = [...this.written.entries()].sort(([a], [b]) => a - b);
    const base = await this.trustedBase();
    const head = await this.deps.store.head();
    if ((!head || head.seq <= (base?.seq ?? 0)) && mine.length === 0) return null;
    const problem = await this.verifySinceBase(base, head, mine);
    if (problem) {
      await this.refuse(problem);
      return null;
    }
    for (const [seq] of mine) this.written.delete(seq);
    this.refusedUntilMs = null;
    this.lastRefusal = null;
    if (!head || head.seq <= (base?.seq ?? 0)) return null;
    const checkpoint = this.deps.signer.sign({ seq: head.seq, hash: head.hash, count: head.seq, at: this.deps.clock.now().toISOString() });
    if (await this.deps.store.insertCheckpoint(checkpoint)) await this.deps.sink.append(checkpoint);
    this.base = checkpoint;
    return checkpoint;
  }

  /**
   * The newest checkpoint to verify from: the one this process signed last, or
   * a newer one in the table (another replica's) if its signature is ours. On
   * the first call, the sink's newest too, so deleting the table's checkpoints
   * does not move the start back past what the sink vouches for.
   */
  private async trustedBase(): Promise<AuditCheckpoint | null> {
    const candidates: AuditCheckpoint[] = [];
    if (this.base) candidates.push(this.base);
    if (!this.baseLoaded) {
      this.baseLoaded = true;
      const fromSink = (await this.deps.sink.readAll()).filter((c) => this.deps.signer.verify(c)).at(-1);
      if (fromSink) candidates.push(fromSink);
    }
    const fromTable = await this.deps.store.latestCheckpoint();
    if (fromTable && this.deps.signer.verify(fromTable)) candidates.push(fromTable);
    // Evidence checkpoints record what the store should hold, not what it holds: never a start.
    const evidence = new Set(this.evidence.map((c) => c.seq));
    this.base = candidates.filter((c) => !evidence.has(c.seq)).sort((a, b) => b.seq - a.seq)[0] ?? null;
    return this.base;
  }

  /**
   * The checks a checkpoint rests on (docs/spec/audit.md#checkpoints): the rows
   * since `base` hash, link and match their columns (the same scan as a full
   * verification, from the base on), and every event this process appended is
   * stored exactly as it computed it. The second catches what the first cannot:
   * rows rewritten on the way in (a trigger) and relinked, which form a
   * consistent chain of someone else's making.
   */
  private async verifySinceBase(base: AuditCheckpoint | null, head: { seq: number; hash: string } | null, mine: [number, { hash: string }][]): Promise<VerificationResult | null> {
    const headSeq = head?.seq ?? 0;
    const fromSeq = base?.seq ?? 1;
    const checkpoints = [...(base ? [base] : []), ...this.evidence].sort((a, b) => a.seq - b.seq);
    const failed = (seq: number, kind: VerificationResult["kind"], detail: string): VerificationResult => ({ valid: false, checked: 0, firstBadSeq: seq, kind, detail, checkpoints: checkpoints.length, lastSeq: headSeq });
    const gone = mine.find(([seq]) => seq > headSeq);
    if (gone) return failed(gone[0], "truncated", `seq ${gone[0]}, which this process appended, is gone: the chain now ends at seq ${headSeq}`);
    if (base && base.seq > headSeq) return failed(headSeq + 1, "truncated", `the chain ends at seq ${headSeq} but a signed checkpoint records seq ${base.seq}`);
    const scan = await this.deps.store.scanSegment(fromSeq, checkpoints);
    if (!scan) return failed(fromSeq, "edited", `an event after seq ${fromSeq} is no longer readable JSON`);
    const result = resultOfScan(scan, checkpoints);
    if (!result.valid) return result;
    const seqs = mine.map(([seq]) => seq);
    const stored = await this.deps.store.hashesAt(seqs.flatMap((seq) => [seq - 1, seq]).filter((seq) => seq > 0));
    for (const [seq, { hash }] of mine) {
      const kept = stored.get(seq);
      if (kept === undefined) return failed(seq, "deleted", `seq ${seq}, which this process appended, is missing`);
      if (kept !== hash) {
        await this.recordEvidence(seq, hash, stored.get(seq - 1) ?? null, base);
        return failed(seq, "edited", `seq ${seq} is not the event this process wrote: the stored event hashes to ${kept.slice(0, 12)}…, the one written to ${hash.slice(0, 12)}… (rewritten on the way in or since)`);
      }
    }
    return null;
  }

  /**
   * Where the store holds something other than what this process wrote at
   * `seq`, signs what it wrote there (never what the store holds) and the row
   * before, which verified: every later verification then fails at exactly
   * `seq`, even once whatever rewrote it is gone and the chain looks whole.
   */
  private async recordEvidence(seq: number, writtenHash: string, previousHash: string | null, base: AuditCheckpoint | null): Promise<void> {
    if (this.evidence.some((c) => c.seq === seq)) return;
    const at = this.deps.clock.now().toISOString();
    const signed: AuditCheckpoint[] = [];
    if (previousHash && seq - 1 > (base?.seq ?? 0)) signed.push(this.deps.signer.sign({ seq: seq - 1, hash: previousHash, count: seq - 1, at }));
    const evidence = this.deps.signer.sign({ seq, hash: writtenHash, count: seq, at });
    signed.push(evidence);
    this.evidence.push(evidence);
    for (const checkpoint of signed) {
      await this.deps.store.insertCheckpoint(checkpoint).catch(() => false);
      await this.deps.sink.append(checkpoint);
    }
    if (signed.length === 2) this.base = signed[0]!;
  }

  /** Signs nothing; says so (an error to the host, a CRITICAL verdict in the chain for hash_chain_valid) once per problem. */
  private async refuse(result: VerificationResult): Promise<void> {
    this.refusedUntilMs = this.deps.clock.now().getTime() + this.deps.config.checkpointIntervalMs;
    const key = `${result.kind}:${result.firstBadSeq}`;
    if (key === this.lastRefusal) return;
    this.lastRefusal = key;
    this.deps.onCheckpointRefused?.(result);
    await this.append({
      category: "SYSTEM_HEALTH",
      severity: "CRITICAL",
      actor: "system",
      action: VERIFIED_ACTION,
      payload: { ...result, scope: "checkpoint" },
    }).catch((error: unknown) => this.deps.onBackgroundError?.(error));
  }

  /**
   * Resolves when nothing is queued or being checkpointed, and whatever this
   * process appended is signed (unless a checkpoint was just refused): for
   * shutdown, command-line tools and tests.
   */
  async settle(): Promise<void> {
    await this.idle();
    if (this.written.size > 0 && this.refusedUntilMs === null) {
      await this.checkpoint().catch((error: unknown) => this.deps.onBackgroundError?.(error));
      await this.idle();
    }
  }

  /** Resolves when nothing is queued or being checkpointed, signing nothing new. */
  async idle(): Promise<void> {
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
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.dueTimer = null;
  }
}
