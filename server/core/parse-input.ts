import type { z } from "zod";
import { AppError } from "./errors";

/**
 * A request body (or any input) parsed with its schema: VALIDATION_FAILED
 * naming every bad field ("title: Too small…"), so a caller learns all that is
 * wrong at once and nothing is written.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`);
  throw new AppError("VALIDATION_FAILED", `Invalid ${what}: ${problems.join("; ")}`, { problems });
}
