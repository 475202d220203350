import { AppError } from "../errors";

// The placeholders a runbook's argv and environment may use (docs/runbooks.md#templates).
// A template is substituted into one argv element at a time and the result is
// handed to the program as that one argument: there is no shell, so nothing a
// parameter contains (quotes, `;`, `$(…)`, newlines) is ever interpreted.

/** The fixed placeholders; `{{params.NAME}}` adds one per declared parameter. */
export const FIXED_PLACEHOLDERS = ["service", "operation.id", "operation.type", "fencingToken"] as const;
export type FixedPlaceholder = (typeof FIXED_PLACEHOLDERS)[number];

export type TemplatePart = { kind: "text"; text: string } | { kind: "fixed"; name: FixedPlaceholder } | { kind: "param"; name: string };

export type TemplateParse = { ok: true; parts: TemplatePart[] } | { ok: false; problem: string };

/** What the placeholders stand for in one execution. Parameters are already validated (validateRunbookParams). */
export interface TemplateValues {
  service: string;
  operationId: string;
  operationType: string;
  /** The SERVICE lock's fencing token, as a decimal string. */
  fencingToken: string;
  params: { readonly [name: string]: string | number | boolean | undefined };
}

/** `{{{{` is a literal `{{` (for arguments such as kubectl's go-template={{{{.metadata.name}}). */
const ESCAPED_OPEN = "{{{{";

/**
 * Splits a template into text and placeholders. `paramNames` are the
 * runbook's declared parameters: `{{params.x}}` for any other name, any
 * other placeholder and an unclosed `{{` are problems, found when the file
 * is loaded rather than when an operation runs.
 */
export function parseTemplate(template: string, paramNames: readonly string[]): TemplateParse {
  const parts: TemplatePart[] = [];
  let text = "";
  let i = 0;
  while (i < template.length) {
    if (template.startsWith(ESCAPED_OPEN, i)) {
      text += "{{";
      i += ESCAPED_OPEN.length;
      continue;
    }
    if (!template.startsWith("{{", i)) {
      text += template[i];
      i += 1;
      continue;
    }
    const close = template.indexOf("}}", i + 2);
    if (close < 0) return { ok: false, problem: `has an unclosed {{ at character ${i + 1} (write {{{{ for a literal {{)` };
    const name = template.slice(i + 2, close).trim();
    if (text) parts.push({ kind: "text", text });
    text = "";
    if ((FIXED_PLACEHOLDERS as readonly string[]).includes(name)) {
      parts.push({ kind: "fixed", name: name as FixedPlaceholder });
    } else if (name.startsWith("params.")) {
      const param = name.slice("params.".length);
      if (!paramNames.includes(param)) {
        return { ok: false, problem: `uses {{${name}}}, but the runbook declares no parameter "${param}" (declare it under params)` };
      }
      parts.push({ kind: "param", name: param });
    } else {
      return { ok: false, problem: `uses an unknown placeholder {{${name}}} (known: ${[...FIXED_PLACEHOLDERS.map((p) => `{{${p}}}`), "{{params.NAME}}"].join(", ")})` };
    }
    i = close + 2;
  }
  if (text) parts.push({ kind: "text", text });
  return { ok: true, parts };
}

/** True when the string contains a placeholder (an escaped `{{{{` is not one). */
export function hasPlaceholder(template: string): boolean {
  return template.replaceAll(ESCAPED_OPEN, "").includes("{{");
}

function valueOf(part: Exclude<TemplatePart, { kind: "text" }>, values: TemplateValues): string {
  if (part.kind === "param") {
    const value = values.params[part.name];
    // An optional parameter with no default that was not given (docs/runbooks.md#templates).
    return value === undefined ? "" : String(value);
  }
  switch (part.name) {
    case "service":
      return values.service;
    case "operation.id":
      return values.operationId;
    case "operation.type":
      return values.operationType;
    case "fencingToken":
      return values.fencingToken;
  }
}

/**
 * One template with its placeholders filled in: one string, whatever the
 * values contain. Throws VALIDATION_FAILED for a template the loader would
 * have refused, or a result no process can receive (a NUL character).
 */
export function renderTemplate(template: string, values: TemplateValues): string {
  const parsed = parseTemplate(template, Object.keys(values.params));
  if (!parsed.ok) throw new AppError("VALIDATION_FAILED", `Template ${JSON.stringify(template)} ${parsed.problem}`, { template });
  const rendered = parsed.parts.map((part) => (part.kind === "text" ? part.text : valueOf(part, values))).join("");
  if (rendered.includes("\u0000")) throw new AppError("VALIDATION_FAILED", `Template ${JSON.stringify(template)} renders a NUL character, which no command can receive`, { template });
  return rendered;
}

/**
 * A step's argv with every element rendered on its own (element-wise: a value
 * never splits into two arguments or merges into its neighbours). The first
 * element is returned as written: the loader refuses a template there, so a
 * parameter never chooses the program.
 */
export function renderArgv(argv: readonly string[], values: TemplateValues): string[] {
  const [program, ...args] = argv;
  if (program === undefined || program === "") throw new AppError("VALIDATION_FAILED", "A step's argv must name a program", {});
  if (hasPlaceholder(program)) throw new AppError("VALIDATION_FAILED", `A step's program must be literal, not the template ${JSON.stringify(program)}`, { program });
  return [program.replaceAll(ESCAPED_OPEN, "{{"), ...args.map((arg) => renderTemplate(arg, values))];
}

/** A runbook's extra environment with its values rendered (names are literal). */
export function renderEnvironment(environment: { readonly [name: string]: string }, values: TemplateValues): { [name: string]: string } {
  return Object.fromEntries(Object.entries(environment).map(([name, template]) => [name, renderTemplate(template, values)]));
}
