// POST /api/v1/audit/verify scans the whole chain and any viewer may ask for
// it: a burst of requests must cost one scan, not one each
// (docs/security.md#smaller-rules), on the real container and route handlers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiHarness, type ApiHarness } from "../../testing/api";

let api: ApiHarness;

beforeAll(async () => {
  api = await startApiHarness("audit_verify_api");
});
afterAll(async () => {
  await api?.close();
});

async function verificationsRecorded(): Promise<number> {
  const [row] = await api.container.db.query<{ n: string }>("SELECT count(*)::text AS n FROM audit_events WHERE action = 'audit.verified'");
  return Number(row!.n);
}

describe("POST /api/v1/audit/verify", () => {
  it("shares one running verification among concurrent requests: one scan and one recorded verdict per run, every caller answered", async () => {
    const headers = await api.as("VIEWER");
    const before = await verificationsRecorded();
    const answers = await Promise.all(Array.from({ length: 8 }, () => api.fetch("/api/v1/audit/verify", { method: "POST", headers }).then(async (r) => ({ status: r.status, body: (await r.json()) as { valid: boolean; joined: boolean } }))));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(answers.every((a) => a.body.valid)).toBe(true);
    const runs = answers.filter((a) => !a.body.joined).length;
    // Each run records its verdict once; the callers that joined it record nothing of their own.
    expect((await verificationsRecorded()) - before).toBe(runs);
    expect(runs).toBeLessThan(8);

    // Once nothing is running, the next request starts a fresh verification.
    const later = await api.fetch("/api/v1/audit/verify", { method: "POST", headers });
    expect(((await later.json()) as { joined: boolean }).joined).toBe(false);
    expect((await verificationsRecorded()) - before).toBe(runs + 1);
  });
});
