import { z } from "zod";
import { OPERATION_TYPES, type OperationType } from "../operations/types";
import { hasPlaceholder, parseTemplate } from "./templates";
import { checkParamValue, INTERLOCK_OWN_PARAMS } from "./validate-params";
import { comparePaths, type DocumentPath } from "../document-path";

// The runbooks file (INTERLOCK_RUNBOOKS_FILE, YAML; documented in docs/runbooks.md):
// which commands the server runs for an operation type, optionally only for
// some services, instead of that type's default executor.
//
//   runbooks:
//     - name: restart-payment            # unique
//       type: REMEDIATION
//       services: [payment-service]      # optional: absent = any service
//       params:
//         replicas: { type: integer, minimum: 1, maximum: 50, required: true }
//       steps:
//         - name: scale
//           argv: ["kubectl", "scale", "deployment/{{service}}", "--replicas={{params.replicas}}"]
//
// Everything is checked when the file is loaded, each problem with the path of
// the entry that has it, so a bad file stops the server at start rather than
// failing an operation later.

const DEFAULT_TIMEOUT_SECONDS = 600;
const DEFAULT_KILL_GRACE_SECONDS = 10;
const DEFAULT_STRING_MAX_LENGTH = 1000;

const text = (max: number) => z.string({ message: "must be a string" }).min(1, "must not be empty").max(max, `must be at most ${max} characters`);
const seconds = (max: number) => z.number({ message: "must be a number of seconds" }).min(0.1, "must be at least 0.1").max(max, `must be at most ${max}`);
const bound = z.number({ message: "must be a number" }).refine(Number.isFinite, "must be a finite number");
const description = z.string({ message: "must be a string" }).max(2000, "must be at most 2000 characters").optional();
const required = z.boolean({ message: "must be true or false" }).default(false);

const ZStringParam = z.strictObject({
  type: z.literal("string"),
  description,
  required,
  pattern: z.string({ message: "must be a regular expression" }).min(1, "must not be empty").optional(),
  maxLength: z.number({ message: "must be a number" }).int("must be a whole number").min(1, "must be at least 1").max(100_000, "must be at most 100000").default(DEFAULT_STRING_MAX_LENGTH),
  enum: z.array(z.string({ message: "must be a string" }), { message: "must be a list of strings" }).min(1, "must list at least one value").optional(),
  default: z.string({ message: "must be a string" }).optional(),
});
const numberParam = <T extends "integer" | "number">(type: T) =>
  z.strictObject({ type: z.literal(type), description, required, minimum: bound.optional(), maximum: bound.optional(), default: z.number({ message: "must be a number" }).optional() });
const ZParam = z.discriminatedUnion(
  "type",
  [ZStringParam, numberParam("integer"), numberParam("number"), z.strictObject({ type: z.literal("boolean"), description, required, default: z.boolean({ message: "must be true or false" }).optional() })],
  { error: (issue) => (issue.code === "invalid_union" ? "must be one of string, integer, number, boolean" : undefined) },
);

const ZStep = z.strictObject({
  name: text(100),
  argv: z.array(z.string({ message: "must be a string" }).max(100_000, "must be at most 100000 characters"), { message: "must be a list of strings: the program, then its arguments" }).min(1, "must name at least the program"),
  timeoutSeconds: seconds(86_400).optional(),
});

const ZRunbook = z.strictObject({
  name: z.string({ message: "must be a string" }).regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, "must be 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit"),
  description,
  type: z.preprocess((v) => (typeof v === "string" ? v.toUpperCase() : v), z.enum(OPERATION_TYPES, { message: `must be one of ${OPERATION_TYPES.join(", ")}` })),
  services: z.array(text(200), { message: "must be a list of service names" }).min(1, "must list at least one service (leave it out for every service)").optional(),
  params: z.record(z.string(), ZParam, { message: "must be a mapping of parameter names to their schema" }).default({}),
  workingDirectory: z.string({ message: "must be a string" }).startsWith("/", "must be an absolute path").optional(),
  environment: z.record(z.string(), z.string({ message: "must be a string (quote numbers and booleans)" }), { message: "must be a mapping of variable names to strings" }).default({}),
  timeoutSeconds: seconds(86_400).default(DEFAULT_TIMEOUT_SECONDS),
  killGraceSeconds: z.number({ message: "must be a number of seconds" }).min(0, "must be 0 or more").max(600, "must be at most 600").default(DEFAULT_KILL_GRACE_SECONDS),
  steps: z.array(ZStep, { message: "must be a list of steps" }).min(1, "must have at least one step"),
});

const ZRunbooksDocument = z.strictObject({
  runbooks: z.array(ZRunbook, { message: "must be a list of runbooks" }),
});

export type RunbookParam = z.output<typeof ZParam>;
export type RunbookStep = z.output<typeof ZStep>;
export type Runbook = z.output<typeof ZRunbook>;

export type { DocumentPath };

export interface RunbookProblem {
  /** Where in the file: ["runbooks", 0, "steps", 1, "argv", 0]. */
  path: DocumentPath;
  problem: string;
}

export type RunbooksParse = { ok: true; runbooks: Runbook[] } | { ok: false; problems: RunbookProblem[] };

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A parsed YAML value to runbooks, or every problem with its path: field
 * types and unknown fields (zod), then what zod cannot see: parameter names
 * and defaults, templates (unknown placeholders, a template in argv[0]),
 * duplicate runbook and step names, reserved environment names, and two
 * runbooks that would both claim the same type and service.
 */
export function runbooksFromDocument(value: unknown): RunbooksParse {
  if (value === null || value === undefined) return { ok: false, problems: [{ path: [], problem: "is empty; expected a mapping with runbooks: [...]" }] };
  const parsed = ZRunbooksDocument.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((issue): RunbookProblem[] => {
      const path = issue.path.map((p) => (typeof p === "number" ? p : String(p)));
      // Each unknown field at its own path, so the loader can point at its line.
      if (issue.code === "unrecognized_keys") return issue.keys.map((key) => ({ path: [...path, key], problem: "is not a field here" }));
      return [{ path, problem: issue.message }];
    });
    return { ok: false, problems: problems.sort((a, b) => comparePaths(a.path, b.path)) };
  }
  const runbooks = parsed.data.runbooks;
  const problems: RunbookProblem[] = [];
  const names = new Map<string, number>();
  // Which runbook claims each (type, service); "*" is the one for any service.
  const claims = new Map<string, number>();
  runbooks.forEach((runbook, i) => {
    const at = (...rest: DocumentPath): DocumentPath => ["runbooks", i, ...rest];
    const seen = names.get(runbook.name);
    if (seen !== undefined) problems.push({ path: at("name"), problem: `duplicates the name of runbooks[${seen}]` });
    else names.set(runbook.name, i);

    const claimed = runbook.services ?? ["*"];
    claimed.forEach((service, j) => {
      const key = `${runbook.type}\u0000${service}`;
      const other = claims.get(key);
      if (other === undefined) claims.set(key, i);
      else if (service === "*") problems.push({ path: at("type"), problem: `runbooks[${other}] (${runbooks[other]!.name}) is already the ${runbook.type} runbook for every service; only one may be` });
      else if (other === i) problems.push({ path: at("services", j), problem: `"${service}" is listed twice` });
      else problems.push({ path: at("services", j), problem: `runbooks[${other}] (${runbooks[other]!.name}) is already the ${runbook.type} runbook for "${service}"; only one may be` });
    });

    const paramNames = Object.keys(runbook.params);
    for (const [name, param] of Object.entries(runbook.params)) problems.push(...paramProblems(name, param).map((p) => ({ path: at("params", name, ...p.path), problem: p.problem })));

    if (runbook.workingDirectory !== undefined && (hasPlaceholder(runbook.workingDirectory) || runbook.workingDirectory.includes("\u0000"))) {
      problems.push({ path: at("workingDirectory"), problem: "must be a literal path (no templates)" });
    }
    for (const [name, template] of Object.entries(runbook.environment)) {
      if (!ENV_NAME.test(name)) problems.push({ path: at("environment", name), problem: "is not a valid variable name (letters, digits and _, not starting with a digit)" });
      else if (name.startsWith("INTERLOCK_")) problems.push({ path: at("environment", name), problem: "is reserved: Interlock sets the INTERLOCK_* variables itself" });
      const parse = parseTemplate(template, paramNames);
      if (!parse.ok) problems.push({ path: at("environment", name), problem: parse.problem });
    }

    const stepNames = new Map<string, number>();
    runbook.steps.forEach((step, s) => {
      const other = stepNames.get(step.name);
      if (other !== undefined) problems.push({ path: at("steps", s, "name"), problem: `duplicates the name of steps[${other}]` });
      else stepNames.set(step.name, s);
      step.argv.forEach((arg, a) => {
        if (a === 0) {
          // A parameter must never choose the program (docs/runbooks.md#security).
          if (arg.trim() === "") problems.push({ path: at("steps", s, "argv", 0), problem: "must name the program" });
          else if (hasPlaceholder(arg)) problems.push({ path: at("steps", s, "argv", 0), problem: "must be a literal program name: a template may only fill an argument" });
        } else {
          const parse = parseTemplate(arg, paramNames);
          if (!parse.ok) problems.push({ path: at("steps", s, "argv", a), problem: parse.problem });
        }
        if (arg.includes("\u0000")) problems.push({ path: at("steps", s, "argv", a), problem: "must not contain a NUL character" });
      });
    });
  });
  if (problems.length > 0) return { ok: false, problems: problems.sort((a, b) => comparePaths(a.path, b.path)) };
  return { ok: true, runbooks };
}

/** What is wrong with one parameter's declaration: its name, its bounds, a default its own schema refuses. */
function paramProblems(name: string, param: RunbookParam): RunbookProblem[] {
  const problems: RunbookProblem[] = [];
  if (!PARAM_NAME.test(name)) problems.push({ path: [], problem: "is not a valid parameter name (letters, digits and _, not starting with a digit, at most 64)" });
  if ((INTERLOCK_OWN_PARAMS as readonly string[]).includes(name)) problems.push({ path: [], problem: `is Interlock's own parameter (docs/runbooks.md#parameters); choose another name` });
  if (param.required && param.default !== undefined) problems.push({ path: ["default"], problem: "a required parameter cannot have a default" });
  if (param.type === "string") {
    if (param.pattern !== undefined) {
      try {
        new RegExp(param.pattern, "u");
      } catch (error) {
        problems.push({ path: ["pattern"], problem: `is not a valid regular expression: ${error instanceof Error ? error.message : String(error)}` });
        return problems;
      }
    }
    param.enum?.forEach((value, i) => {
      const problem = checkParamValue(param, value);
      if (problem) problems.push({ path: ["enum", i], problem: `${problem} (the parameter's own pattern or maxLength)` });
      if (param.enum!.indexOf(value) !== i) problems.push({ path: ["enum", i], problem: `"${value}" is listed twice` });
    });
  } else if (param.type === "integer" || param.type === "number") {
    if (param.type === "integer") {
      if (param.minimum !== undefined && !Number.isInteger(param.minimum)) problems.push({ path: ["minimum"], problem: "must be a whole number for an integer parameter" });
      if (param.maximum !== undefined && !Number.isInteger(param.maximum)) problems.push({ path: ["maximum"], problem: "must be a whole number for an integer parameter" });
    }
    if (param.minimum !== undefined && param.maximum !== undefined && param.minimum > param.maximum) problems.push({ path: ["maximum"], problem: `must not be below minimum (${param.minimum})` });
  }
  if (param.default !== undefined && problems.length === 0) {
    const problem = checkParamValue(param, param.default);
    if (problem) problems.push({ path: ["default"], problem: `${problem}: the default must satisfy the parameter's own schema` });
  }
  return problems;
}

/** `runbooks[0] (restart-payment).steps[1] (scale).argv[0]`: a path as a person finds it in the file. */
export function describeRunbookPath(value: unknown, path: DocumentPath): string {
  if (path.length === 0) return "(file)";
  let out = "";
  let at: unknown = value;
  path.forEach((part, i) => {
    out += typeof part === "number" ? `[${part}]` : `${i === 0 ? "" : "."}${part}`;
    at = at !== null && typeof at === "object" ? (at as Record<string | number, unknown>)[part] : undefined;
    // Name the runbook or step an index points at: "runbooks[3] (restart-payment)" is findable.
    if (typeof part === "number" && (path[i - 1] === "runbooks" || path[i - 1] === "steps") && at !== null && typeof at === "object" && typeof (at as { name?: unknown }).name === "string") {
      out += ` (${(at as { name: string }).name})`;
    }
  });
  return out;
}

/** The operation types the runbooks name, each once. */
export function runbookTypes(runbooks: readonly Runbook[]): OperationType[] {
  return OPERATION_TYPES.filter((type) => runbooks.some((r) => r.type === type));
}
