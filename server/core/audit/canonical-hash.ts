import crypto from "node:crypto";
import canonicalize from "canonicalize";
import type { AuditEventInput, AuditRecord, ChainHead, JsonValue } from "./types";

// How an event becomes bytes and a hash. The canonical text (RFC 8785: sorted
// keys, fixed number and string forms) is computed once, stored as it was hashed,
// and never re-serialised from the database: jsonb reorders keys and drivers
// round timestamps, and neither may ever change a hash.

/** The previous hash of the first event. */
export const GENESIS_HASH = "0".repeat(64);

export function sha256Hex(text: string): string {
  // crypto.hash is the one-shot form (no Hash object per call): verification hashes millions.
  return crypto.hash("sha256", text, "hex");
}

/** The object whose canonical form is hashed: every stored field but the hash itself. */
export function hashedBody(record: Omit<AuditRecord, "hash" | "canonical">): Record<string, JsonValue> {
  return {
    seq: record.seq,
    category: record.category,
    severity: record.severity,
    actor: record.actor,
    service: record.service,
    operationId: record.operationId,
    correlationId: record.correlationId,
    action: record.action,
    payload: record.payload,
    at: record.at,
    prevHash: record.prevHash,
  };
}

export function canonicalJson(value: JsonValue): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error("value cannot be canonicalised");
  return text;
}

/**
 * Links `inputs` after `head`: assigns sequence numbers, canonical text and
 * hashes. Pure: the timestamps come in with the inputs.
 */
export function sealEvents(head: ChainHead | null, inputs: { input: AuditEventInput; at: string }[]): AuditRecord[] {
  let seq = head?.seq ?? 0;
  let prevHash = head?.hash ?? GENESIS_HASH;
  return inputs.map(({ input, at }) => {
    seq += 1;
    const fields = {
      seq,
      category: input.category,
      severity: input.severity,
      actor: input.actor,
      service: input.service ?? null,
      // Lower case, as Postgres prints a uuid, so the column and the hashed text agree.
      operationId: input.operationId?.toLowerCase() ?? null,
      correlationId: input.correlationId ?? null,
      action: input.action,
      payload: normalisePayload(input.payload ?? {}),
      at,
      prevHash,
    };
    const canonical = canonicalJson(hashedBody(fields));
    const hash = sha256Hex(canonical);
    prevHash = hash;
    return { ...fields, canonical, hash };
  });
}

/**
 * An event with everything but its place in the chain already serialised:
 * the canonical text is cut where `at`, `prevHash` and `seq` go (RFC 8785's
 * key order puts them there: action, actor, at, category, correlationId,
 * operationId, payload, prevHash, seq, service, severity). Preparing happens
 * before the chain lock is taken, so the lock is held only to fill in three
 * values and hash, not to canonicalise payloads.
 */
export interface PreparedEvent {
  fields: Omit<AuditRecord, "seq" | "at" | "prevHash" | "hash" | "canonical">;
  beforeAt: string;
  beforePrevHash: string;
  afterSeq: string;
}

export function prepareEvent(input: AuditEventInput): PreparedEvent {
  const fields = {
    category: input.category,
    severity: input.severity,
    actor: input.actor,
    service: input.service ?? null,
    // Lower case, as Postgres prints a uuid, so the column and the hashed text agree.
    operationId: input.operationId?.toLowerCase() ?? null,
    correlationId: input.correlationId ?? null,
    action: input.action,
    payload: normalisePayload(input.payload ?? {}),
  };
  const c = (value: JsonValue) => canonicalJson(value);
  return {
    fields,
    beforeAt: `{"action":${c(fields.action)},"actor":${c(fields.actor)},"at":`,
    beforePrevHash: `,"category":${c(fields.category)},"correlationId":${c(fields.correlationId)},"operationId":${c(fields.operationId)},"payload":${c(fields.payload)},"prevHash":`,
    afterSeq: `,"service":${c(fields.service)},"severity":${c(fields.severity)}}`,
  };
}

/** sealEvents for prepared events: the same records, byte for byte, with the serialising done beforehand. */
export function sealPrepared(head: ChainHead | null, prepared: { event: PreparedEvent; at: string }[]): AuditRecord[] {
  let seq = head?.seq ?? 0;
  let prevHash = head?.hash ?? GENESIS_HASH;
  return prepared.map(({ event, at }) => {
    seq += 1;
    const canonical = `${event.beforeAt}${JSON.stringify(at)}${event.beforePrevHash}"${prevHash}","seq":${seq}${event.afterSeq}`;
    const hash = sha256Hex(canonical);
    const record = { seq, ...event.fields, at, prevHash, canonical, hash };
    prevHash = hash;
    return record;
  });
}

/** The payload as JSON would carry it (drops undefined, turns -0 into 0), so what is hashed is what is stored. */
function normalisePayload(payload: { [key: string]: JsonValue }): { [key: string]: JsonValue } {
  return JSON.parse(JSON.stringify(payload)) as { [key: string]: JsonValue };
}

const ISO_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export function isIsoMicros(value: string): boolean {
  return ISO_MICROS.test(value);
}

/** Formats microseconds since the epoch as ISO-8601 UTC with six fractional digits. */
export function isoFromMicros(epochMicros: bigint): string {
  const ms = epochMicros / 1000n;
  const micros = Number(epochMicros % 1000n);
  const base = new Date(Number(ms)).toISOString(); // …sss Z
  return `${base.slice(0, 23)}${String(micros).padStart(3, "0")}Z`;
}
