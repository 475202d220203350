// interlock approve ID / interlock reject ID: a reviewer's decision on a
// paused operation (POST /api/v1/operations/{id}/approve|reject,
// docs/api.md#reviews). The requester cannot decide their own (403).
import { Command } from "commander";
import { EXIT } from "../exit-codes";
import { parseId } from "../options";
import type { Runner } from "./shared";

export function decideCommand(run: Runner, decision: "approve" | "reject"): Command {
  const command = new Command(decision)
    .description(decision === "approve" ? "approve a paused operation's review (approver role; not your own)" : "reject a paused operation's review: it ends FAILED (approver role; not your own)")
    .argument("<id>", "the operation's id", parseId)
    .option("--notes <text>", "why, recorded with the decision")
    .option("--approval-id <ref>", "your change-approval reference")
    .option("--evidence-hash <hash>", "refuse the decision if the evidence changed since you read this hash");
  return command.action(async (id: string, flags: { notes?: string; approvalId?: string; evidenceHash?: string }) =>
    run(command, async (ctx) => {
      const result = await ctx.api().decide(id, decision, {
        ...(flags.notes ? { notes: flags.notes } : {}),
        ...(flags.approvalId ? { approvalId: flags.approvalId } : {}),
        ...(flags.evidenceHash ? { evidenceHash: flags.evidenceHash } : {}),
      });
      if (ctx.json) ctx.printJson(result);
      else ctx.print(`${decision === "approve" ? "Approved" : "Rejected"} ${id}: review ${result.review.status}${result.approvalId ? `, approval ${result.approvalId}` : ""}; the operation is ${result.operation.state}\n`);
      return EXIT.OK;
    }),
  );
}
