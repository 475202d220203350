// What batched-writes.ts relies on in ioredis, checked against the installed
// version and a real Redis (REDIS_URL, default redis://127.0.0.1:6379). If an
// ioredis upgrade breaks one of these, the store's hand-made EVALSHA or its
// corking no longer does what it says: fix batched-writes.ts, or drop it for
// plain ioredis with enableAutoPipelining (the store then loses the gain
// measured in batched-writes.ts).
import crypto from "node:crypto";
import { Command, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchedWrites, ScriptCall, type WireScript } from "./batched-writes";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const LUA = "return ARGV[1] .. '|' .. KEYS[1] .. '|' .. #ARGV";
const script: WireScript = { sha: crypto.createHash("sha1").update(LUA).digest("hex"), heads: [] };
const key = `interlock:test:batched:${crypto.randomBytes(4).toString("hex")}`;

let client: Redis;

beforeAll(async () => {
  client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, enableAutoPipelining: false });
  await client.script("LOAD", LUA);
});
afterAll(() => client.disconnect());

describe("ScriptCall", () => {
  it("writes exactly what ioredis writes for the same EVALSHA, for any argument (multi-byte, long, empty)", () => {
    const args = [script.sha, "1", key, "ünï|cødé ✓", "x".repeat(300), "", "42"];
    const ours = new ScriptCall(script, args).toWritable();
    const theirs = new Command("evalsha", args).toWritable(client.stream);
    expect(Buffer.isBuffer(theirs) ? theirs.toString("utf8") : theirs).toBe(ours);
  });

  it("is answered through sendCommand, with the reply as a string", async () => {
    const reply = await client.sendCommand(new ScriptCall(script, [script.sha, "1", key, "é", "b"]));
    expect(reply).toBe(`é|${key}|2`);
  });

  it("exposes isSettled and reject, which the store's command timeout uses", async () => {
    const call = new ScriptCall(script, [script.sha, "1", key, "a"]);
    expect(call.isSettled).toBe(false);
    await client.sendCommand(call);
    expect(call.isSettled).toBe(true);
    const unsent = new ScriptCall(script, [script.sha, "1", key, "a"]);
    unsent.reject(new Error("Command timed out"));
    await expect(unsent.promise).rejects.toThrow("Command timed out");
  });
});

describe("BatchedWrites", () => {
  it("on a ready client, sendCommand writes into client.stream in the same tick, so corking holds the calls until the batch is flushed", async () => {
    await client.ping();
    expect(client.status).toBe("ready");
    const writes = new BatchedWrites(client);
    const stream = client.stream;
    writes.beforeSend();
    expect(stream.writableCorked).toBe(1);
    const before = stream.writableLength;
    const replies = [1, 2, 3].map((n) => {
      const sent = client.sendCommand(new ScriptCall(script, [script.sha, "1", key, String(n)]));
      writes.afterSend();
      return sent;
    });
    // Three calls (fewer than a batch) written into the corked socket, none sent yet.
    expect(stream.writableLength).toBeGreaterThan(before);
    expect(stream.writableCorked).toBe(1);
    // The end of the tick uncorks.
    await new Promise((resolve) => process.nextTick(resolve));
    expect(stream.writableCorked).toBe(0);
    expect(await Promise.all(replies)).toEqual([`1|${key}|1`, `2|${key}|1`, `3|${key}|1`]);
    for (let i = 0; i < 3; i++) writes.answered();
  });

  it("flushes a full batch at once, without waiting for the end of the tick", async () => {
    const writes = new BatchedWrites(client);
    const stream = client.stream;
    writes.beforeSend();
    const replies = [];
    for (let n = 0; n < 4; n++) {
      replies.push(client.sendCommand(new ScriptCall(script, [script.sha, "1", key, String(n)])));
      writes.afterSend();
    }
    // The fourth call filled the batch: uncorked (written) and corked again for what follows.
    expect(stream.writableLength).toBe(0);
    expect(stream.writableCorked).toBe(1);
    await Promise.all(replies);
  });
});
