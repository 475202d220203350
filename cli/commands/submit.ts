// interlock submit: POST /api/v1/operations (docs/api.md#operations). Returns
// at once with the operation's id; `interlock wait ID` follows it.
import { Command } from "commander";
import { EXIT } from "../exit-codes";
import { describeWaiting } from "../output";
import { addOperationFlags, operationBody, type OperationFlags, type Runner } from "./shared";

export function submitCommand(run: Runner): Command {
  const command = new Command("submit").description("submit an operation; prints its id (202 ACCEPTED, or 200 ALREADY_RUNNING with the one in flight)");
  addOperationFlags(command, { submission: true });
  return command.action(async (flags: OperationFlags) =>
    run(command, async (ctx) => {
      const api = ctx.api();
      const { body } = await api.submit(operationBody(flags), flags.idempotencyKey);
      if (ctx.json) {
        ctx.printJson(body);
        return EXIT.OK;
      }
      const op = body.operation;
      ctx.print(`${op.id}\n`);
      ctx.note(`${body.result === "ALREADY_RUNNING" ? "Already running" : "Accepted"}: ${op.type} ${op.service}  ${describeWaiting({ operation: op })}`);
      ctx.note(`  ${api.consoleUrl(op.id)}`);
      ctx.note(`  follow it with: interlock wait ${op.id}`);
      return EXIT.OK;
    }),
  );
}
