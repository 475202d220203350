import { describe, expect, it } from "vitest";
import type { Container } from "../container";
import { readinessResponse, UNAVAILABLE } from "./readiness";

const withProbes = (probes: Container["probes"]) => async () => ({ probes }) as Container;

/** A logger that keeps what it was told, so a test can see where the cause went. */
function captured() {
  const lines: unknown[] = [];
  return { lines, log: () => ({ warn: (obj: unknown) => void lines.push(obj) }) as never };
}

describe("readinessResponse", () => {
  it("answers 200 when the store answers", async () => {
    const { status, body } = await readinessResponse(withProbes([{ name: "store", check: async () => {} }]));
    expect(status).toBe(200);
    expect(body.status).toBe("ready");
    expect(body.checks).toEqual([{ name: "store", ok: true, latencyMs: expect.any(Number) }]);
  });

  it("answers 503 naming the store when it fails", async () => {
    const { lines, log } = captured();
    const { status, body } = await readinessResponse(withProbes([{ name: "store", check: async () => { throw new Error("ECONNREFUSED"); } }]), 2_000, log);
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: "unavailable", failed: ["store"] });
    expect(lines).toHaveLength(1);
  });

  it("answers 503 naming the store when the store cannot even be opened", async () => {
    const { log } = captured();
    const { status, body } = await readinessResponse(async () => { throw new Error("connect ECONNREFUSED 127.0.0.1:1"); }, 2_000, log);
    expect(status).toBe(503);
    expect(body.failed).toEqual(["store"]);
    expect(body.checks[0]).toEqual({ name: "store", ok: false, latencyMs: 0, error: UNAVAILABLE });
  });

  // The endpoint is public: a driver's message names the database user, host and
  // database, which are for the log, not for anyone who can reach /api/ready.
  it("shows no user, host or database name to the caller, and logs the cause", async () => {
    const causes = [
      'password authentication failed for user "interlock_prod"',
      'database "interlock_prod" does not exist',
      "getaddrinfo ENOTFOUND db-primary.internal.example.com",
      "connect ECONNREFUSED 10.20.30.40:5432",
      'no pg_hba.conf entry for host "10.1.2.3", user "interlock_prod", database "interlock_prod", SSL off',
    ];
    for (const cause of causes) {
      const { lines, log } = captured();
      for (const container of [withProbes([{ name: "store", check: async () => { throw new Error(cause); } }]), async () => { throw new Error(cause); }]) {
        const { status, body } = await readinessResponse(container, 2_000, log);
        expect(status).toBe(503);
        const text = JSON.stringify(body);
        for (const secret of ["interlock_prod", "db-primary", "10.20.30.40", "10.1.2.3", "5432"]) expect(text).not.toContain(secret);
        expect(body.checks).toEqual([{ name: "store", ok: false, latencyMs: expect.any(Number), error: UNAVAILABLE }]);
      }
      expect(JSON.stringify(lines)).toContain(cause.replace(/"/g, '\\"'));
    }
  });

  it("keeps the probe's own timeout, which names nothing", async () => {
    const { log } = captured();
    const { body } = await readinessResponse(withProbes([{ name: "store", check: () => new Promise(() => {}) }]), 20, log);
    expect(body.checks[0]).toMatchObject({ name: "store", ok: false, error: "no answer within 20 ms" });
  });
});
