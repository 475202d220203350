import { describe, expect, it } from "vitest";
import { describeRunbookPath, runbooksFromDocument, runbookTypes, type RunbookProblem } from "./runbook-document";

/** The example of docs/runbooks.md, as the YAML parser gives it. */
const example = () => ({
  runbooks: [
    {
      name: "restart-payment",
      type: "REMEDIATION",
      services: ["payment-service"],
      params: {
        replicas: { type: "integer", minimum: 1, maximum: 50, required: true },
        reason: { type: "string", pattern: "^[A-Za-z0-9 .,:_-]{1,200}$" },
        mode: { type: "string", enum: ["fast", "safe"], default: "safe" },
      },
      workingDirectory: "/srv/runbooks",
      environment: { KUBECONFIG: "/etc/kube/config", MODE: "{{params.mode}}" },
      timeoutSeconds: 600,
      killGraceSeconds: 10,
      steps: [
        { name: "scale", argv: ["kubectl", "scale", "deployment/{{service}}", "--replicas={{params.replicas}}"], timeoutSeconds: 120 },
        { name: "annotate", argv: ["kubectl", "annotate", "deployment/{{ service }}", "interlock/op={{operation.id}}", "interlock/token={{fencingToken}}", "--overwrite"] },
      ],
    },
    { name: "restart-any", type: "remediation", steps: [{ name: "restart", argv: ["/usr/local/bin/restart", "{{service}}", "{{operation.type}}"] }] },
  ],
});

function problemsOf(value: unknown): RunbookProblem[] {
  const result = runbooksFromDocument(value);
  if (result.ok) throw new Error("expected problems, the document was accepted");
  return result.problems;
}

describe("runbooksFromDocument", () => {
  it("accepts the documented example and fills in the defaults", () => {
    const result = runbooksFromDocument(example());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const [specific, generic] = result.runbooks;
    expect(specific!.params.reason).toMatchObject({ type: "string", maxLength: 1000, required: false });
    expect(specific!.params.replicas).toMatchObject({ type: "integer", required: true });
    expect(generic).toMatchObject({ type: "REMEDIATION", timeoutSeconds: 600, killGraceSeconds: 10, params: {}, environment: {} });
    expect(generic!.services).toBeUndefined();
    expect(runbookTypes(result.runbooks)).toEqual(["REMEDIATION"]);
  });

  it("accepts an empty list (no runbooks)", () => {
    expect(runbooksFromDocument({ runbooks: [] })).toEqual({ ok: true, runbooks: [] });
  });

  it("refuses an empty file and a document without runbooks", () => {
    expect(problemsOf(null)).toEqual([{ path: [], problem: "is empty; expected a mapping with runbooks: [...]" }]);
    expect(problemsOf({ runbook: [] })).toEqual([
      { path: ["runbook"], problem: "is not a field here" },
      { path: ["runbooks"], problem: "must be a list of runbooks" },
    ]);
  });

  it("refuses an unknown placeholder, naming its path", () => {
    const doc = example();
    doc.runbooks[0]!.steps[0]!.argv[2] = "deployment/{{servce}}";
    const problems = problemsOf(doc);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toEqual(["runbooks", 0, "steps", 0, "argv", 2]);
    expect(problems[0]!.problem).toContain("unknown placeholder {{servce}}");
  });

  it("refuses a placeholder naming an undeclared parameter, in argv and in the environment", () => {
    const doc = example();
    doc.runbooks[0]!.steps[1]!.argv.push("--why={{params.why}}");
    (doc.runbooks[0]!.environment as Record<string, string>).WHY = "{{params.why}}";
    const problems = problemsOf(doc);
    expect(problems.map((p) => p.path)).toEqual([
      ["runbooks", 0, "environment", "WHY"],
      ["runbooks", 0, "steps", 1, "argv", 6],
    ]);
    expect(problems[0]!.problem).toContain('declares no parameter "why"');
  });

  it("refuses an unclosed placeholder", () => {
    const doc = example();
    doc.runbooks[1]!.steps[0]!.argv[1] = "{{service";
    expect(problemsOf(doc)).toEqual([{ path: ["runbooks", 1, "steps", 0, "argv", 1], problem: expect.stringContaining("unclosed {{") }]);
  });

  it("accepts {{{{ as a literal {{ (a go-template argument)", () => {
    const doc = example();
    doc.runbooks[1]!.steps[0]!.argv.push("-o=go-template={{{{.metadata.name}}");
    expect(runbooksFromDocument(doc).ok).toBe(true);
  });

  it("refuses a template in argv[0]: a parameter never chooses the program", () => {
    const doc = example();
    doc.runbooks[1]!.steps[0]!.argv[0] = "{{params.tool}}";
    expect(problemsOf(doc)).toEqual([{ path: ["runbooks", 1, "steps", 0, "argv", 0], problem: "must be a literal program name: a template may only fill an argument" }]);
    doc.runbooks[1]!.steps[0]!.argv[0] = "/opt/{{service}}/bin/restart";
    expect(problemsOf(doc)[0]!.path).toEqual(["runbooks", 1, "steps", 0, "argv", 0]);
  });

  it("refuses duplicate runbook names and duplicate step names", () => {
    const doc = example();
    doc.runbooks[1]!.name = "restart-payment";
    doc.runbooks[1]!.steps.push({ name: "restart", argv: ["true"] });
    expect(problemsOf(doc)).toEqual([
      { path: ["runbooks", 1, "name"], problem: "duplicates the name of runbooks[0]" },
      { path: ["runbooks", 1, "steps", 1, "name"], problem: "duplicates the name of steps[0]" },
    ]);
  });

  it("refuses an unknown operation type", () => {
    const doc = example();
    (doc.runbooks[1] as { type: string }).type = "RESTART";
    expect(problemsOf(doc)).toEqual([{ path: ["runbooks", 1, "type"], problem: "must be one of DEPLOYMENT, ROLLBACK, VERIFICATION, REMEDIATION, CONFIG_CHANGE, MAINTENANCE" }]);
  });

  it("refuses unknown fields at their own path (the schema is strict)", () => {
    const doc = example() as { runbooks: Record<string, unknown>[] };
    doc.runbooks[0]!.shell = true;
    (doc.runbooks[0]!.params as Record<string, Record<string, unknown>>).replicas!.format = "int32";
    expect(problemsOf(doc)).toEqual([
      { path: ["runbooks", 0, "params", "replicas", "format"], problem: "is not a field here" },
      { path: ["runbooks", 0, "shell"], problem: "is not a field here" },
    ]);
  });

  it("refuses two runbooks that would claim the same type and service", () => {
    const doc = example();
    doc.runbooks.push({ ...doc.runbooks[0]!, name: "restart-payment-2" }, { ...doc.runbooks[1]!, name: "restart-any-2" });
    expect(problemsOf(doc)).toEqual([
      { path: ["runbooks", 2, "services", 0], problem: 'runbooks[0] (restart-payment) is already the REMEDIATION runbook for "payment-service"; only one may be' },
      { path: ["runbooks", 3, "type"], problem: "runbooks[1] (restart-any) is already the REMEDIATION runbook for every service; only one may be" },
    ]);
  });

  it("checks each parameter's declaration: type, name, bounds, pattern and default", () => {
    const doc = example() as { runbooks: { params: Record<string, unknown> }[] };
    doc.runbooks[0]!.params = {
      ...doc.runbooks[0]!.params,
      "bad-name": { type: "string" },
      reviewRequired: { type: "boolean" },
      range: { type: "integer", minimum: 5, maximum: 1 },
      ratio: { type: "integer", minimum: 0.5 },
      regex: { type: "string", pattern: "([a-z" },
      late: { type: "string", enum: ["a"], default: "b" },
      both: { type: "boolean", required: true, default: false },
      short: { type: "string", maxLength: 3, enum: ["abcd"] },
    };
    const problems = problemsOf(doc).map((p) => `${p.path.slice(2).join(".")}: ${p.problem}`);
    expect(problems).toEqual([
      expect.stringMatching(/^params\.bad-name: is not a valid parameter name/),
      "params.both.default: a required parameter cannot have a default",
      "params.late.default: must be one of a: the default must satisfy the parameter's own schema",
      "params.range.maximum: must not be below minimum (5)",
      "params.ratio.minimum: must be a whole number for an integer parameter",
      expect.stringMatching(/^params\.regex\.pattern: is not a valid regular expression/),
      expect.stringMatching(/^params\.reviewRequired: is Interlock's own parameter/),
      "params.short.enum.0: must be at most 3 characters (the parameter's own pattern or maxLength)",
    ]);
  });

  it("refuses an unknown parameter type", () => {
    const doc = example() as { runbooks: { params: Record<string, unknown> }[] };
    doc.runbooks[0]!.params.when = { type: "date" };
    expect(problemsOf(doc)).toEqual([{ path: ["runbooks", 0, "params", "when", "type"], problem: "must be one of string, integer, number, boolean" }]);
  });

  it("checks the environment's names, the working directory and the timeouts", () => {
    const doc = example() as { runbooks: Record<string, unknown>[] };
    doc.runbooks[0]!.environment = { INTERLOCK_FENCING_TOKEN: "1", "1BAD": "x", PORT: 8080 };
    doc.runbooks[0]!.workingDirectory = "relative/dir";
    doc.runbooks[1]!.timeoutSeconds = 0;
    doc.runbooks[1]!.killGraceSeconds = -1;
    expect(problemsOf(doc)).toEqual([
      { path: ["runbooks", 0, "environment", "PORT"], problem: "must be a string (quote numbers and booleans)" },
      { path: ["runbooks", 0, "workingDirectory"], problem: "must be an absolute path" },
      { path: ["runbooks", 1, "killGraceSeconds"], problem: "must be 0 or more" },
      { path: ["runbooks", 1, "timeoutSeconds"], problem: "must be at least 0.1" },
    ]);
    doc.runbooks[0]!.environment = { INTERLOCK_FENCING_TOKEN: "1", "1BAD": "x" };
    doc.runbooks[0]!.workingDirectory = "/srv/{{service}}";
    doc.runbooks[1]!.timeoutSeconds = 5;
    doc.runbooks[1]!.killGraceSeconds = 0;
    expect(problemsOf(doc)).toEqual([
      { path: ["runbooks", 0, "environment", "1BAD"], problem: expect.stringContaining("is not a valid variable name") },
      { path: ["runbooks", 0, "environment", "INTERLOCK_FENCING_TOKEN"], problem: "is reserved: Interlock sets the INTERLOCK_* variables itself" },
      { path: ["runbooks", 0, "workingDirectory"], problem: "must be a literal path (no templates)" },
    ]);
  });

  it("refuses a runbook without steps and a step without a program", () => {
    const doc = example();
    doc.runbooks[0]!.steps = [];
    doc.runbooks[1]!.steps[0]!.argv = [];
    expect(problemsOf(doc)).toEqual([
      { path: ["runbooks", 0, "steps"], problem: "must have at least one step" },
      { path: ["runbooks", 1, "steps", 0, "argv"], problem: "must name at least the program" },
    ]);
  });
});

describe("describeRunbookPath", () => {
  it("names the runbook and the step an index points at", () => {
    const doc = example();
    expect(describeRunbookPath(doc, ["runbooks", 0, "steps", 1, "argv", 0])).toBe("runbooks[0] (restart-payment).steps[1] (annotate).argv[0]");
    expect(describeRunbookPath(doc, ["runbooks", 1, "params", "x"])).toBe("runbooks[1] (restart-any).params.x");
    expect(describeRunbookPath(doc, [])).toBe("(file)");
  });
});
