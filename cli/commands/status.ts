// interlock status ID: GET /api/v1/operations/{id} (docs/api.md#operations).
import { Command } from "commander";
import { EXIT } from "../exit-codes";
import { formatOperation } from "../output";
import { parseId } from "../options";
import type { Runner } from "./shared";

export function statusCommand(run: Runner): Command {
  const command = new Command("status").description("show an operation: state, reason, lease, review, gates, conflicts, steps, locks").argument("<id>", "the operation's id", parseId);
  return command.action(async (id: string) =>
    run(command, async (ctx) => {
      const api = ctx.api();
      const detail = await api.getOperation(id);
      if (ctx.json) ctx.printJson(detail);
      else ctx.print(formatOperation(detail, api.consoleUrl(id)));
      return EXIT.OK;
    }),
  );
}
