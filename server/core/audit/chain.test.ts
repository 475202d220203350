import crypto from "node:crypto";
import { describe, expect, it } from "vitest";
import { GENESIS_HASH, isoFromMicros, sealEvents, sha256Hex } from "./canonical-hash";
import { checkpointSignatureValid, createCheckpointSigner } from "./checkpoint-signing";
import { chainRowFromRecord } from "./export-format";
import { summariseAudit } from "./audit-statistics";
import type { AuditEventInput, AuditRecord } from "./types";
import { ChainVerifier, verifyChain } from "./verify-chain";

const input = (i: number): AuditEventInput => ({ category: "DEPLOYMENT", severity: "INFO", actor: "alice", action: "deploy", service: "payment-service", payload: { i, b: { z: 1, a: [true, null] } } });
const seal = (n: number) => sealEvents(null, Array.from({ length: n }, (_, i) => ({ input: input(i), at: isoFromMicros(1_700_000_000_000_000n + BigInt(i)) })));
async function* iterate<T>(items: T[]) {
  yield* items;
}
const { privateKey, publicKey } = crypto.generateKeyPairSync("ed25519");
const signer = createCheckpointSigner(privateKey);

describe("sealEvents", () => {
  it("numbers events from 1, links them from the genesis hash and hashes the canonical text", () => {
    const records = seal(3);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(records[0]!.prevHash).toBe(GENESIS_HASH);
    expect(records[1]!.prevHash).toBe(records[0]!.hash);
    for (const r of records) expect(sha256Hex(r.canonical)).toBe(r.hash);
  });

  it("canonicalises: key order in the input does not change the hash", () => {
    const a = sealEvents(null, [{ input: { ...input(0), payload: { x: 1, y: 2 } }, at: "2026-01-01T00:00:00.000001Z" }]);
    const b = sealEvents(null, [{ input: { ...input(0), payload: { y: 2, x: 1 } }, at: "2026-01-01T00:00:00.000001Z" }]);
    expect(a[0]!.hash).toBe(b[0]!.hash);
    expect(a[0]!.canonical).toContain('"payload":{"x":1,"y":2}');
  });

  it("continues after a head", () => {
    const [first] = seal(1);
    const [second] = sealEvents({ seq: 1, hash: first!.hash }, [{ input: input(1), at: "2026-01-01T00:00:00.000000Z" }]);
    expect(second).toMatchObject({ seq: 2, prevHash: first!.hash });
  });
});

describe("isoFromMicros", () => {
  it("keeps six fractional digits", () => {
    expect(isoFromMicros(1_700_000_000_123_456n)).toBe("2023-11-14T22:13:20.123456Z");
    expect(isoFromMicros(1_700_000_000_000_001n)).toBe("2023-11-14T22:13:20.000001Z");
  });
});

describe("ChainVerifier", () => {
  const rows = (records: AuditRecord[]) => records.map(chainRowFromRecord);

  it("accepts an intact chain", async () => {
    const result = await verifyChain({ rows: iterate(rows(seal(5))), tableCheckpoints: [], sinkCheckpoints: [], publicKey });
    expect(result).toEqual({ valid: true, checked: 5, firstBadSeq: null, kind: null, detail: null, checkpoints: 0, lastSeq: 5 });
  });

  it("names an edited column", () => {
    const records = seal(5);
    records[2] = { ...records[2]!, actor: "mallory" };
    const v = new ChainVerifier([]);
    rows(records).forEach((r) => v.push(r));
    expect(v.finish()).toMatchObject({ valid: false, firstBadSeq: 3, kind: "edited" });
  });

  it("names a missing event", () => {
    const records = seal(5);
    records.splice(1, 1);
    const v = new ChainVerifier([]);
    rows(records).forEach((r) => v.push(r));
    expect(v.finish()).toMatchObject({ firstBadSeq: 2, kind: "deleted" });
  });

  it("names an event stored at another position", () => {
    const records = seal(5);
    const moved = [records[0]!, { ...records[2]!, seq: 2 }, { ...records[1]!, seq: 3 }, records[3]!, records[4]!];
    const v = new ChainVerifier([]);
    moved.forEach((r) => v.push(chainRowFromRecord(r)));
    expect(v.finish()).toMatchObject({ firstBadSeq: 2, kind: "reordered" });
  });

  it("catches a cut tail only against a checkpoint", () => {
    const records = seal(5);
    const cp = signer.sign({ seq: 5, hash: records[4]!.hash, count: 5, at: "2026-01-01T00:00:00.000Z" });
    const withCheckpoint = new ChainVerifier([cp]);
    rows(records.slice(0, 3)).forEach((r) => withCheckpoint.push(r));
    expect(withCheckpoint.finish()).toMatchObject({ firstBadSeq: 4, kind: "truncated" });
    const without = new ChainVerifier([]);
    rows(records.slice(0, 3)).forEach((r) => without.push(r));
    expect(without.finish().valid).toBe(true);
  });

  it("rejects a checkpoint whose signature does not match", async () => {
    const records = seal(2);
    const cp = signer.sign({ seq: 2, hash: records[1]!.hash, count: 2, at: "2026-01-01T00:00:00.000Z" });
    expect(checkpointSignatureValid(cp, publicKey)).toBe(true);
    const forged = { ...cp, hash: records[0]!.hash };
    expect(checkpointSignatureValid(forged, publicKey)).toBe(false);
    const result = await verifyChain({ rows: iterate(rows(records)), tableCheckpoints: [forged], sinkCheckpoints: [], publicKey });
    expect(result).toMatchObject({ valid: false, firstBadSeq: 2, kind: "forged-checkpoint" });
  });
});

describe("summariseAudit", () => {
  it("computes the rate since the first event and carries the last verdict", () => {
    const stats = summariseAudit(
      { total: 120, byCategory: {}, bySeverity: {}, uniqueActors: 3, uniqueServices: 2, firstAt: "2026-01-01T00:00:00.000000Z", lastAt: "2026-01-01T01:59:00.000000Z" },
      null,
      new Date("2026-01-01T02:00:00Z"),
    );
    expect(stats.eventsPerHour).toBe(60);
    expect(stats.hashChainValid).toBeNull();
  });
});

