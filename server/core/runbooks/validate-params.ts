import type { JsonValue } from "../audit/types";
import { AppError } from "../errors";
import type { Runbook, RunbookParam } from "./runbook-document";

// A runbook says exactly which parameters it accepts (docs/runbooks.md#parameters);
// an operation's params are checked against that before anything is stored
// or run, and again before the commands start.

/**
 * Parameters Interlock itself reads from every operation, whatever runs it:
 * `reviewRequired` asks for a person before the change runs
 * (docs/specification.md#state-machine). A runbook accepts them without
 * declaring them and never receives them.
 */
export const INTERLOCK_OWN_PARAMS = ["reviewRequired"] as const;

/** A validated parameter value, in its declared type. */
export type RunbookParamValue = string | number | boolean;

const INTEGER_TEXT = /^-?(0|[1-9][0-9]*)$/;
const NUMBER_TEXT = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

/**
 * The value in the parameter's type, or a problem ("must be at most 50").
 * Numbers and booleans may also come as their canonical text ("5", "true"):
 * a remediation rule renders its parameters from alert labels as strings
 * (docs/incidents.md).
 */
export function coerceParamValue(param: RunbookParam, value: JsonValue): { value: RunbookParamValue } | { problem: string } {
  switch (param.type) {
    case "string": {
      if (typeof value !== "string") return { problem: "must be a string" };
      // No process can receive a NUL in an argument or a variable.
      if (value.includes("\u0000")) return { problem: "must not contain a NUL character" };
      if (value.length > param.maxLength) return { problem: `must be at most ${param.maxLength} characters` };
      if (param.enum && !param.enum.includes(value)) return { problem: `must be one of ${param.enum.join(", ")}` };
      // Anchored at both ends whatever the pattern says: the whole value must match, not a part of it.
      if (param.pattern !== undefined && !new RegExp(`^(?:${param.pattern})$`, "u").test(value)) return { problem: `must match the pattern ${param.pattern}` };
      return { value };
    }
    case "integer":
    case "number": {
      const pattern = param.type === "integer" ? INTEGER_TEXT : NUMBER_TEXT;
      const number = typeof value === "number" ? value : typeof value === "string" && pattern.test(value) ? Number(value) : null;
      const kind = param.type === "integer" ? "a whole number" : "a number";
      if (number === null || !Number.isFinite(number)) return { problem: `must be ${kind}` };
      if (param.type === "integer" && !Number.isSafeInteger(number)) return { problem: `must be ${kind}` };
      if (param.minimum !== undefined && number < param.minimum) return { problem: `must be at least ${param.minimum}` };
      if (param.maximum !== undefined && number > param.maximum) return { problem: `must be at most ${param.maximum}` };
      return { value: number };
    }
    case "boolean": {
      if (typeof value === "boolean") return { value };
      if (value === "true" || value === "false") return { value: value === "true" };
      return { problem: "must be true or false" };
    }
  }
}

/** The problem with a value, or null: the loader checks enum entries and defaults with it. */
export function checkParamValue(param: RunbookParam, value: JsonValue): string | null {
  const result = coerceParamValue(param, value);
  return "problem" in result ? result.problem : null;
}

/**
 * The operation's params as the runbook's commands get them: each declared
 * parameter in its type, defaults filled in, an optional one without a
 * default left out. Throws VALIDATION_FAILED naming every bad parameter: a
 * missing required one, a value its schema refuses, and any the runbook does
 * not declare (Interlock's own, INTERLOCK_OWN_PARAMS, excepted).
 */
export function validateRunbookParams(runbook: Pick<Runbook, "name" | "params">, params: { readonly [key: string]: JsonValue }): { [name: string]: RunbookParamValue } {
  const problems: { parameter: string; problem: string }[] = [];
  const resolved: { [name: string]: RunbookParamValue } = {};
  for (const [name, param] of Object.entries(runbook.params)) {
    const given = Object.hasOwn(params, name) ? params[name] : undefined;
    if (given === undefined) {
      if (param.required) problems.push({ parameter: name, problem: "is required" });
      else if (param.default !== undefined) resolved[name] = param.default;
      continue;
    }
    const result = coerceParamValue(param, given);
    if ("problem" in result) problems.push({ parameter: name, problem: result.problem });
    else resolved[name] = result.value;
  }
  const declared = Object.keys(runbook.params);
  for (const name of Object.keys(params)) {
    if (Object.hasOwn(runbook.params, name) || (INTERLOCK_OWN_PARAMS as readonly string[]).includes(name)) continue;
    problems.push({ parameter: name, problem: `is not a parameter of this runbook (${declared.length ? `it takes ${declared.join(", ")}` : "it takes none"})` });
  }
  if (problems.length > 0) {
    const listed = problems.map((p) => `params.${p.parameter} ${p.problem}`);
    throw new AppError("VALIDATION_FAILED", `Runbook ${runbook.name} refuses these parameters: ${listed.join("; ")}`, {
      runbook: runbook.name,
      parameters: problems.map((p) => p.parameter),
      problems: listed,
    });
  }
  return resolved;
}
