// What the commands share: how an action is run (its context, its exit
// code) and the flags that describe an operation, used by plan, submit and
// run alike (docs/cli.md#commands).
import { Command, Option } from "commander";
import type { SubmitBody } from "../api-client";
import type { CliContext } from "../context";
import { buildParams, paramFlags, parseId, parseParamsJson, parsePriority, parseType, type ParamEntry } from "../options";

/** Runs a command's action and records its exit code. */
export type Runner = (command: Command, action: (ctx: CliContext) => Promise<number>) => Promise<void>;

export interface OperationFlags {
  service: string;
  type: SubmitBody["type"];
  param?: ParamEntry[];
  paramJson?: ParamEntry[];
  paramsJson?: Record<string, unknown>;
  idempotencyKey?: string;
  priority?: SubmitBody["priority"];
  correlationId?: string;
  incident?: string;
}

/** --service, --type and the params; with `submission`, also what only a submission carries. */
export function addOperationFlags(command: Command, options: { submission: boolean }): Command {
  const params = paramFlags();
  command
    .requiredOption("--service <name>", "the service to change")
    .requiredOption("--type <type>", "DEPLOYMENT, ROLLBACK, VERIFICATION, REMEDIATION, CONFIG_CHANGE or MAINTENANCE (any case)", parseType)
    .option("--param <key=value>", "a parameter, as a string; repeat for more", params.param)
    .option("--param-json <key=json>", "a parameter whose value is JSON (a number, true, an object); repeat for more", params.paramJson)
    .option("--params-json <json>", "all parameters as one JSON object; --param and --param-json add to it", parseParamsJson)
    .option("--idempotency-key <key>", "the same key returns the same operation instead of starting a second one")
    .addOption(new Option("--priority <priority>", "lock priority: CRITICAL, HIGH, NORMAL or LOW (CRITICAL needs an approver)").argParser(parsePriority));
  if (options.submission) {
    command.option("--correlation-id <id>", "links everything about one incident").option("--incident <id>", "the incident this operation belongs to (its id)", parseId);
  }
  return command;
}

/** The request body from the flags. */
export function operationBody(flags: OperationFlags): SubmitBody {
  // --param and --param-json fill one list (see paramFlags), so either attribute holds all entries in order.
  const entries = flags.param ?? flags.paramJson ?? [];
  const params = buildParams(flags.paramsJson, entries);
  return {
    type: flags.type,
    service: flags.service,
    // Values came from JSON.parse or are strings: JSON, whatever the static type says.
    ...(params ? { params: params as NonNullable<SubmitBody["params"]> } : {}),
    ...(flags.priority ? { priority: flags.priority } : {}),
    ...(flags.correlationId ? { correlationId: flags.correlationId } : {}),
    ...(flags.incident ? { incidentId: flags.incident } : {}),
  };
}
