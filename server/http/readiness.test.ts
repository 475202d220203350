import { describe, expect, it } from "vitest";
import type { Container } from "../container";
import { readinessResponse } from "./readiness";

const withProbes = (probes: Container["probes"]) => async () => ({ probes }) as Container;

describe("readinessResponse", () => {
  it("answers 200 when the store answers", async () => {
    const { status, body } = await readinessResponse(withProbes([{ name: "store", check: async () => {} }]));
    expect(status).toBe(200);
    expect(body.status).toBe("ready");
  });

  it("answers 503 naming the store when it fails", async () => {
    const { status, body } = await readinessResponse(withProbes([{ name: "store", check: async () => { throw new Error("ECONNREFUSED"); } }]));
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: "unavailable", failed: ["store"] });
  });

  it("answers 503 naming the store when the store cannot even be opened", async () => {
    const { status, body } = await readinessResponse(async () => { throw new Error("connect ECONNREFUSED 127.0.0.1:1"); });
    expect(status).toBe(503);
    expect(body.failed).toEqual(["store"]);
    expect(body.checks[0]?.error).toContain("ECONNREFUSED");
  });
});
