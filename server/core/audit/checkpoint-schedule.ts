// When the next checkpoint is due (docs/spec/audit.md#checkpoints): the unsigned
// tail of the chain is what someone who can write the database can still rewrite
// or delete unseen, so it is kept short in time (a few seconds after the first
// unsigned event) and in count (AUDIT_CHECKPOINT_EVERY). Pure: `now` comes in.

export interface CheckpointScheduleConfig {
  /** Sign no later than this long after the first event no checkpoint covers yet. */
  delayMs: number;
  /** …or as soon as this many events are unsigned. */
  every: number;
}

export interface UnsignedTail {
  /** When the oldest event this process appended and no checkpoint covers yet was appended (epoch ms); null when none. */
  oldestAtMs: number | null;
  /** Events appended since the last checkpoint (by any process, as far as this one knows). */
  count: number;
}

/**
 * When to take the next checkpoint: `"now"`, a time (epoch ms) to take it at,
 * or null when nothing is unsigned. `notBeforeMs` holds checkpoints back after
 * one was refused, so a broken chain is reported once per interval rather than
 * on every append.
 */
export function nextCheckpointAt(tail: UnsignedTail, config: CheckpointScheduleConfig, now: Date, notBeforeMs: number | null = null): "now" | number | null {
  if (tail.oldestAtMs === null && tail.count <= 0) return null;
  const nowMs = now.getTime();
  let due = tail.count >= config.every ? nowMs : (tail.oldestAtMs ?? nowMs) + config.delayMs;
  if (notBeforeMs !== null) due = Math.max(due, notBeforeMs);
  return due <= nowMs ? "now" : due;
}

/**
 * How old an unsigned tail may be before verification calls it missing
 * evidence: a running server signs its own events within `delayMs` and sweeps
 * up everyone else's within `intervalMs`, so anything older than both has lost
 * the checkpoint that should cover it (or no server has run since it was written).
 */
export function unsignedGraceMs(config: { delayMs: number; intervalMs: number }): number {
  return Math.max(config.delayMs, config.intervalMs) + config.delayMs;
}
