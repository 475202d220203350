import { describe, expect, it } from "vitest";
import { AppError } from "../errors";
import { runbooksFromDocument, type Runbook } from "./runbook-document";
import { selectRunbook } from "./select-runbook";
import { parseTemplate, renderArgv, renderEnvironment, renderTemplate, type TemplateValues } from "./templates";
import { validateRunbookParams } from "./validate-params";

function load(runbooks: unknown[]): Runbook[] {
  const result = runbooksFromDocument({ runbooks });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.runbooks;
}

const step = [{ name: "run", argv: ["/bin/true"] }];

const RESTART = load([
  {
    name: "restart-payment",
    type: "REMEDIATION",
    services: ["payment-service"],
    params: {
      replicas: { type: "integer", minimum: 1, maximum: 50, required: true },
      reason: { type: "string", pattern: "[A-Za-z0-9 .,:_-]{1,20}" },
      mode: { type: "string", enum: ["fast", "safe"], default: "safe" },
      ratio: { type: "number", minimum: 0, maximum: 1 },
      force: { type: "boolean", default: false },
    },
    steps: step,
  },
])[0]!;

function refusal(params: Record<string, unknown>): AppError {
  try {
    validateRunbookParams(RESTART, params as never);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("expected the parameters to be refused");
}

describe("selectRunbook", () => {
  const runbooks = load([
    { name: "generic-remediation", type: "REMEDIATION", steps: step },
    { name: "payment-remediation", type: "REMEDIATION", services: ["payment-service", "billing-service"], steps: step },
    { name: "payment-deploy", type: "DEPLOYMENT", services: ["payment-service"], steps: step },
  ]);

  it("prefers the runbook that lists the service over the one for any service, whatever their order", () => {
    expect(selectRunbook(runbooks, { type: "REMEDIATION", service: "payment-service" })?.name).toBe("payment-remediation");
    expect(selectRunbook(runbooks, { type: "REMEDIATION", service: "billing-service" })?.name).toBe("payment-remediation");
    expect(selectRunbook([...runbooks].reverse(), { type: "REMEDIATION", service: "payment-service" })?.name).toBe("payment-remediation");
  });

  it("falls back to the runbook for any service of the type", () => {
    expect(selectRunbook(runbooks, { type: "REMEDIATION", service: "order-service" })?.name).toBe("generic-remediation");
  });

  it("matches nothing for another type, or a service-specific runbook's other services", () => {
    expect(selectRunbook(runbooks, { type: "DEPLOYMENT", service: "order-service" })).toBeNull();
    expect(selectRunbook(runbooks, { type: "ROLLBACK", service: "payment-service" })).toBeNull();
    expect(selectRunbook([], { type: "DEPLOYMENT", service: "payment-service" })).toBeNull();
  });
});

describe("validateRunbookParams", () => {
  it("returns the parameters in their types with the defaults filled in", () => {
    expect(validateRunbookParams(RESTART, { replicas: 3, reason: "OOM on pod 2" })).toEqual({ replicas: 3, reason: "OOM on pod 2", mode: "safe", force: false });
  });

  it("accepts numbers and booleans as their canonical text (a remediation rule renders strings)", () => {
    expect(validateRunbookParams(RESTART, { replicas: "7", ratio: "0.25", force: "true" })).toEqual({ replicas: 7, ratio: 0.25, force: true, mode: "safe" });
  });

  it("accepts Interlock's own reviewRequired without declaring it, and does not pass it on", () => {
    expect(validateRunbookParams(RESTART, { replicas: 1, reviewRequired: true })).toEqual({ replicas: 1, mode: "safe", force: false });
  });

  it("refuses a missing required parameter, naming it", () => {
    const error = refusal({});
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.message).toBe("Runbook restart-payment refuses these parameters: params.replicas is required");
    expect(error.details).toMatchObject({ runbook: "restart-payment", parameters: ["replicas"] });
  });

  it("refuses values outside their schema, naming each parameter", () => {
    const error = refusal({ replicas: 80, reason: "x; rm -rf /", mode: "reckless", ratio: 2, force: "yes" });
    expect(error.details.parameters).toEqual(["replicas", "reason", "mode", "ratio", "force"]);
    expect(error.details.problems).toEqual([
      "params.replicas must be at most 50",
      "params.reason must match the pattern [A-Za-z0-9 .,:_-]{1,20}",
      "params.mode must be one of fast, safe",
      "params.ratio must be at most 1",
      "params.force must be true or false",
    ]);
  });

  it("anchors the pattern: a value must match as a whole, not in part", () => {
    expect(refusal({ replicas: 1, reason: "fine$(touch /tmp/x)" }).details.parameters).toEqual(["reason"]);
  });

  it("refuses wrong types, fractions for integers and text that is not a canonical number", () => {
    expect(refusal({ replicas: 2.5 }).details.problems).toEqual(["params.replicas must be a whole number"]);
    expect(refusal({ replicas: "2 " }).details.problems).toEqual(["params.replicas must be a whole number"]);
    expect(refusal({ replicas: "0x10" }).details.problems).toEqual(["params.replicas must be a whole number"]);
    expect(refusal({ replicas: 1, reason: 5 }).details.problems).toEqual(["params.reason must be a string"]);
    expect(refusal({ replicas: 1, reason: null }).details.problems).toEqual(["params.reason must be a string"]);
    expect(refusal({ replicas: 1, ratio: "1e400" }).details.problems).toEqual(["params.ratio must be a number"]);
  });

  it("refuses parameters the runbook does not declare: it says exactly what it accepts", () => {
    const error = refusal({ replicas: 1, namespace: "prod" });
    expect(error.message).toContain("params.namespace is not a parameter of this runbook (it takes replicas, reason, mode, ratio, force)");
  });

  it("refuses the default maxLength of 1000 characters and NUL characters", () => {
    const open = load([{ name: "free", type: "MAINTENANCE", params: { note: { type: "string" } }, steps: step }])[0]!;
    expect(validateRunbookParams(open, { note: "x".repeat(1000) })).toEqual({ note: "x".repeat(1000) });
    expect(() => validateRunbookParams(open, { note: "x".repeat(1001) })).toThrow("params.note must be at most 1000 characters");
    expect(() => validateRunbookParams(open, { note: "a\u0000b" })).toThrow("params.note must not contain a NUL character");
  });
});

describe("templates", () => {
  const values: TemplateValues = {
    service: "payment-service",
    operationId: "op-1",
    operationType: "REMEDIATION",
    fencingToken: "9007199254740993",
    params: { replicas: 3, reason: "a b; $(touch /tmp/x) `id` 'q' \"d\"\nline", force: false, absent: undefined },
  };

  it("fills each argv element on its own: a value with spaces or shell syntax stays one argument", () => {
    const argv = ["kubectl", "scale", "deployment/{{service}}", "--replicas={{params.replicas}}", "{{params.reason}}", "{{ fencingToken }}:{{operation.id}}:{{operation.type}}", "{{params.force}}"];
    expect(renderArgv(argv, values)).toEqual(["kubectl", "scale", "deployment/payment-service", "--replicas=3", values.params.reason, "9007199254740993:op-1:REMEDIATION", "false"]);
  });

  it("renders an optional parameter that was not given as empty, and {{{{ as a literal {{", () => {
    expect(renderTemplate("--why={{params.absent}}", values)).toBe("--why=");
    expect(renderTemplate("go-template={{{{.metadata.name}}", values)).toBe("go-template={{.metadata.name}}");
  });

  it("never lets argv[0] be a template", () => {
    expect(() => renderArgv(["{{service}}", "x"], values)).toThrow(AppError);
  });

  it("refuses to render a NUL character", () => {
    expect(() => renderTemplate("{{params.reason}}", { ...values, params: { reason: "a\u0000b" } })).toThrow("NUL");
  });

  it("renders the environment's values, not its names", () => {
    expect(renderEnvironment({ KUBECONFIG: "/etc/kube/config", REASON: "{{params.reason}}" }, values)).toEqual({ KUBECONFIG: "/etc/kube/config", REASON: values.params.reason });
  });

  it("parses text and placeholders, and names what it does not know", () => {
    expect(parseTemplate("a{{service}}b{{params.x}}", ["x"])).toEqual({
      ok: true,
      parts: [{ kind: "text", text: "a" }, { kind: "fixed", name: "service" }, { kind: "text", text: "b" }, { kind: "param", name: "x" }],
    });
    expect(parseTemplate("{{params.y}}", ["x"])).toEqual({ ok: false, problem: expect.stringContaining('no parameter "y"') });
    expect(parseTemplate("{{env.HOME}}", [])).toEqual({ ok: false, problem: expect.stringContaining("unknown placeholder {{env.HOME}}") });
  });
});
