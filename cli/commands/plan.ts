// interlock plan: what would happen if the operation were submitted now
// (POST /api/v1/operations/plan, docs/api.md#operations); writes nothing.
import { Command } from "commander";
import { EXIT } from "../exit-codes";
import { formatPlan } from "../output";
import { addOperationFlags, operationBody, type OperationFlags, type Runner } from "./shared";

export function planCommand(run: Runner): Command {
  const command = new Command("plan").description("show what would happen if the operation were submitted now: verdict, conflicts, gates, blast radius, queue (writes nothing)");
  addOperationFlags(command, { submission: false });
  return command.action(async (flags: OperationFlags) =>
    run(command, async (ctx) => {
      const plan = await ctx.api().plan(operationBody(flags), flags.idempotencyKey);
      if (ctx.json) ctx.printJson(plan);
      else ctx.print(formatPlan(plan));
      return EXIT.OK;
    }),
  );
}
