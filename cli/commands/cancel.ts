// interlock cancel ID: POST /api/v1/operations/{id}/cancel (docs/api.md#operations).
// Only before it runs: once IN_PROGRESS the API answers 409 (abort it instead).
import { Command } from "commander";
import { EXIT } from "../exit-codes";
import { parseId } from "../options";
import type { Runner } from "./shared";

export function cancelCommand(run: Runner): Command {
  const command = new Command("cancel")
    .description("cancel an operation that has not started (operator: your own; approver: anyone's)")
    .argument("<id>", "the operation's id", parseId)
    .option("--reason <text>", "why, recorded with it");
  return command.action(async (id: string, flags: { reason?: string }) =>
    run(command, async (ctx) => {
      const op = await ctx.api().cancel(id, flags.reason);
      if (ctx.json) ctx.printJson(op);
      else ctx.print(`Cancelled ${id}: ${op.state}${op.reason ? ` (${op.reason})` : ""}\n`);
      return EXIT.OK;
    }),
  );
}
