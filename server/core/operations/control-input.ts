import { z } from "zod";
import { parseInput } from "../parse-input";

/** A person's control of an operation: who, which operation, and why (required: it is what the audit trail and the on-call read). */
export const ZControlInput = z.strictObject({
  operationId: z.uuid(),
  actor: z.string().trim().min(1).max(200),
  reason: z.string().trim().min(3, "say why, in at least 3 characters").max(2000),
});
export type ControlInput = z.input<typeof ZControlInput>;

export function parseControlInput(input: unknown, what: string): z.output<typeof ZControlInput> {
  return parseInput(ZControlInput, input, what);
}
