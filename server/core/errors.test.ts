import { describe, expect, it, vi } from "vitest";
import { AppError, isAppError } from "./errors";

describe("AppError across copies of its module", () => {
  it("is recognised when thrown by another copy of the class (the built server bundles several)", async () => {
    vi.resetModules();
    const copy = "./errors?copy"; // a second instance of the module, as a bundle would hold
    const other = (await import(/* @vite-ignore */ copy)) as typeof import("./errors");
    expect(other.AppError).not.toBe(AppError);
    const foreign = new other.AppError("FORBIDDEN", "not yours");
    expect(foreign instanceof AppError).toBe(true);
    expect(isAppError(foreign)).toBe(true);
    expect(new AppError("NOT_FOUND", "x") instanceof other.AppError).toBe(true);
  });

  it("is not fooled by other errors", () => {
    expect(new Error("x") instanceof AppError).toBe(false);
    expect(Object.assign(new Error("x"), { name: "AppError", code: "FORBIDDEN" }) instanceof AppError).toBe(false);
    expect((null as unknown as object) instanceof AppError).toBe(false);
    expect(({ name: "AppError" } as object) instanceof AppError).toBe(false);
  });
});
