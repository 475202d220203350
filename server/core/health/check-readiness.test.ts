import { describe, expect, it } from "vitest";
import { checkReadiness } from "./check-readiness";

describe("checkReadiness", () => {
  it("is ready when every probe answers", async () => {
    const result = await checkReadiness([{ name: "store", check: async () => {} }], 1_000);
    expect(result).toMatchObject({ ready: true, failed: [] });
    expect(result.checks[0]).toMatchObject({ name: "store", ok: true });
  });

  it("names the dependency that failed and why", async () => {
    const result = await checkReadiness(
      [
        { name: "store", check: async () => { throw new Error("connection refused"); } },
        { name: "redis", check: async () => {} },
      ],
      1_000,
    );
    expect(result.ready).toBe(false);
    expect(result.failed).toEqual(["store"]);
    expect(result.checks.find((c) => c.name === "store")?.error).toBe("connection refused");
  });

  it("does not wait on a hung dependency past the timeout", async () => {
    const result = await checkReadiness([{ name: "store", check: () => new Promise(() => {}) }], 50);
    expect(result.failed).toEqual(["store"]);
    expect(result.checks[0]?.error).toBe("no answer within 50 ms");
  });
});
