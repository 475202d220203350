// The password hasher's bcrypt runs in worker threads (docs/security.md#sign-in-abuse):
// the hashes are real bcrypt (bcryptjs reads them), checks answer right, and
// the work ran on another thread than this one.
import bcrypt from "bcryptjs";
import { threadId } from "node:worker_threads";
import { afterAll, describe, expect, it } from "vitest";
import { BcryptPasswordHasher, BcryptWorkerPool } from "./bcrypt-password-hasher";

const pool = new BcryptWorkerPool(2);
const hasher = new BcryptPasswordHasher(4, pool);
afterAll(() => pool.close());

describe("BcryptPasswordHasher", () => {
  it("hashes and verifies with real bcrypt", async () => {
    const hash = await hasher.hash("correct horse battery");
    expect(hash).toMatch(/^\$2b\$04\$/);
    expect(bcrypt.compareSync("correct horse battery", hash)).toBe(true);
    expect(await hasher.verify("correct horse battery", hash)).toBe(true);
    expect(await hasher.verify("wrong", hash)).toBe(false);
    expect(await hasher.verify("correct horse battery", bcrypt.hashSync("correct horse battery", 4))).toBe(true);
    // No hash (unknown user): the same work, and false.
    expect(await hasher.verify("anything", null)).toBe(false);
  });

  it("runs every check in a worker thread, 20 at once, never on this one", async () => {
    const hash = bcrypt.hashSync("pw", 4);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.run({ op: "compare", password: i % 2 ? "pw" : "nope", hash })));
    expect(results.map((r) => r.result)).toEqual(Array.from({ length: 20 }, (_, i) => i % 2 === 1));
    const threads = new Set(results.map((r) => r.threadId));
    expect(threads.has(threadId)).toBe(false);
    expect([...threads].every((id) => id > 0)).toBe(true);
    expect(threads.size).toBeLessThanOrEqual(2);
  });

  it("refuses at once, instead of queueing for ever, when too many checks wait", async () => {
    const small = new BcryptWorkerPool(1, 2);
    try {
      const hash = bcrypt.hashSync("pw", 4);
      const runs = Array.from({ length: 5 }, () => small.run({ op: "compare", password: "pw", hash }).then(() => "done", (error: Error) => error.message));
      const outcomes = await Promise.all(runs);
      // One running, two queued, the other two refused.
      expect(outcomes.filter((o) => o === "done")).toHaveLength(3);
      expect(outcomes.filter((o) => o.startsWith("Too many passwords"))).toHaveLength(2);
    } finally {
      await small.close();
    }
  });
});
