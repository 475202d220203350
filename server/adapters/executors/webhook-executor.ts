import "server-only";
import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";

import type { JsonValue } from "../../core/audit/types";
import type { ExecutionContext, ExecutionOutcome, ExecutionStatus, OperationExecutor, WithdrawOutcome } from "../../core/executors/ports";

// The production executor (docs/operations.md#what-a-production-deployment-looks-like,
// "executor" row: the deploy system's webhook). Interlock keeps the decisions, locks and audit; the deploy system
// does the change. The request is signed so the deploy system can tell it came
// from Interlock and was not replayed, carries the fencing tokens so it can
// refuse a holder that lost its lock, and is keyed by operation id so a
// resumed attempt does not start a second deployment.

export interface WebhookExecutorConfig {
  url: string;
  /** HMAC-SHA256 key shared with the deploy system (at least 32 characters). */
  secret: string;
  /** Longest one HTTP request may take. */
  requestTimeoutMs: number;
  /** Longest the whole execution may take, submission and status polling together. */
  overallTimeoutMs: number;
  /** Tries for one request that fails with a network error, 5xx, 408 or 429 (and consecutive failed polls). */
  maxAttempts: number;
  /** First wait before a retry; doubles on each retry up to maxBackoffMs. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** First wait before polling a status URL; doubles while the status stays open, up to maxPollIntervalMs. */
  pollIntervalMs: number;
  maxPollIntervalMs: number;
}

export const DEFAULT_WEBHOOK_TIMINGS = {
  requestTimeoutMs: 10_000,
  // The canary's 10-minute budget (docs/specification.md#executors-and-the-canary). The deploy
  // system runs the canary now, so its whole run gets the same budget.
  overallTimeoutMs: 10 * 60_000,
  maxAttempts: 5,
  initialBackoffMs: 500,
  maxBackoffMs: 30_000,
  pollIntervalMs: 2_000,
  maxPollIntervalMs: 30_000,
} satisfies Omit<WebhookExecutorConfig, "url" | "secret">;

const wholeNumber = (min: number, max: number, fallback: number) =>
  z.coerce
    .number({ message: "must be a number" })
    .int("must be a whole number")
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(fallback);

/** The variables, shaped like server/env.ts's fields so env.ts can spread them into its schema. */
export const EXECUTOR_WEBHOOK_ENV_FIELDS = {
  // https:// only, except on this machine (a deploy agent beside the server, and the tests): the request
  // carries fencing tokens and a signed intent to change production (docs/security.md#smaller-rules).
  EXECUTOR_WEBHOOK_URL: z
    .url({ protocol: /^https?$/, message: "must be an https:// URL" })
    .refine((value) => new URL(value).protocol === "https:" || isLoopbackUrl(value), "must be an https:// URL (http:// is accepted only for localhost, 127.0.0.0/8 and ::1)")
    .optional(),
  EXECUTOR_WEBHOOK_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  EXECUTOR_WEBHOOK_REQUEST_TIMEOUT_MS: wholeNumber(100, 300_000, DEFAULT_WEBHOOK_TIMINGS.requestTimeoutMs),
  EXECUTOR_WEBHOOK_TIMEOUT_SECONDS: wholeNumber(1, 86_400, DEFAULT_WEBHOOK_TIMINGS.overallTimeoutMs / 1000),
  EXECUTOR_WEBHOOK_MAX_ATTEMPTS: wholeNumber(1, 20, DEFAULT_WEBHOOK_TIMINGS.maxAttempts),
  EXECUTOR_WEBHOOK_POLL_INTERVAL_MS: wholeNumber(10, 600_000, DEFAULT_WEBHOOK_TIMINGS.pollIntervalMs),
};

const ZWebhookEnv = z.object(EXECUTOR_WEBHOOK_ENV_FIELDS).superRefine((env, ctx) => {
  // An unsigned webhook would let anyone who can reach the deploy system push a change.
  if (env.EXECUTOR_WEBHOOK_URL && !env.EXECUTOR_WEBHOOK_SECRET) {
    ctx.addIssue({ code: "custom", path: ["EXECUTOR_WEBHOOK_SECRET"], message: "is required when EXECUTOR_WEBHOOK_URL is set" });
  }
});

/**
 * The webhook executor the environment asks for, or null when
 * EXECUTOR_WEBHOOK_URL is unset (the simulated executors run instead). Throws
 * naming each bad variable; values are never echoed, the secret is one of them.
 */
export function webhookExecutorConfigFromEnv(source: Record<string, string | undefined>): WebhookExecutorConfig | null {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([key, v]) => key.startsWith("EXECUTOR_WEBHOOK_") && v !== undefined && v !== ""));
  const result = ZWebhookEnv.safeParse(cleaned);
  if (!result.success) {
    throw new Error(`Invalid configuration:\n${result.error.issues.map((i) => `  ${String(i.path[0])}: ${i.message}`).join("\n")}`);
  }
  const env = result.data;
  if (!env.EXECUTOR_WEBHOOK_URL || !env.EXECUTOR_WEBHOOK_SECRET) return null;
  return {
    ...DEFAULT_WEBHOOK_TIMINGS,
    url: env.EXECUTOR_WEBHOOK_URL,
    secret: env.EXECUTOR_WEBHOOK_SECRET,
    requestTimeoutMs: env.EXECUTOR_WEBHOOK_REQUEST_TIMEOUT_MS,
    overallTimeoutMs: env.EXECUTOR_WEBHOOK_TIMEOUT_SECONDS * 1000,
    maxAttempts: env.EXECUTOR_WEBHOOK_MAX_ATTEMPTS,
    pollIntervalMs: env.EXECUTOR_WEBHOOK_POLL_INTERVAL_MS,
  };
}

/** True for http(s) URLs whose host is this machine: localhost, 127.0.0.0/8 or ::1. */
function isLoopbackUrl(value: string): boolean {
  const host = new URL(value).hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

/** What a request is signed for: its method and its path with the query, so a signature cannot be moved to another request. */
export interface SignedTarget {
  method: string;
  /** The request URL's path and query, e.g. `/deploys/42?x=1`. */
  path: string;
}

/** The signed target of a request to `url` with `method`. */
export function signedTarget(method: string, url: string): SignedTarget {
  const parsed = new URL(url);
  return { method: method.toUpperCase(), path: `${parsed.pathname}${parsed.search}` };
}

/**
 * `sha256=<hex HMAC-SHA256(secret, timestamp + "." + METHOD + "." + path + "." + body)>`:
 * what X-Interlock-Signature carries. Method and path are covered so a captured
 * signed POST cannot be replayed as a DELETE, or against another URL of the
 * deploy system, within the freshness window (docs/security.md#smaller-rules).
 */
export function signWebhookPayload(secret: string, timestamp: string, target: SignedTarget, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${target.method.toUpperCase()}.${target.path}.${body}`).digest("hex")}`;
}

/**
 * For the receiving side: true when `header` is the signature of `body`, sent
 * with `target`'s method to its path, at `timestamp` under `secret`, and the timestamp is within `toleranceSeconds`
 * of now (a captured request replayed later is refused). The timestamp is
 * signed with the body, so it cannot be refreshed by whoever replays it.
 * Compared in constant time so the signature cannot be guessed byte by byte.
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string | null | undefined,
  target: SignedTarget,
  body: string,
  header: string | null | undefined,
  options: { toleranceSeconds?: number; nowSeconds?: number } = {},
): boolean {
  if (!timestamp || !header || !/^\d{1,12}$/.test(timestamp)) return false;
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhookPayload(secret, timestamp, target, body), "utf8");
  const given = Buffer.from(header, "utf8");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const TERMINAL_STATUSES = ["SUCCEEDED", "FAILED", "ROLLED_BACK"] as const satisfies readonly ExecutionStatus[];

function isTerminal(status: string): status is ExecutionStatus {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

/** What the deploy system answers, on submission and on each poll. Unknown fields are ignored. */
const ZDeploySystemAnswer = z.looseObject({
  status: z.string().trim().min(1).toUpperCase().optional(),
  summary: z.string().optional(),
  statusUrl: z.string().min(1).optional(),
  detail: z.record(z.string(), z.json()).optional(),
});
type DeploySystemAnswer = z.infer<typeof ZDeploySystemAnswer>;

interface HttpAnswer {
  status: number;
  location: string | null;
  text: string;
}

function parseAnswer(text: string): DeploySystemAnswer | null {
  try {
    const parsed = ZDeploySystemAnswer.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The reason a deploy system gave for refusing: its JSON `message`/`error`, else the start of the body. */
function messageOf(text: string): string {
  try {
    const body = JSON.parse(text) as unknown;
    if (body && typeof body === "object") {
      const record = body as Record<string, unknown>;
      for (const candidate of [record.message, record.error, (record.error as Record<string, unknown> | undefined)?.message]) {
        if (typeof candidate === "string" && candidate.trim() !== "") return candidate.trim();
      }
    }
  } catch {
    // Not JSON: the text itself is the message.
  }
  const trimmed = text.trim().slice(0, 300);
  return trimmed === "" ? "no message" : trimmed;
}

function describeRequestError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === "TimeoutError") return `no answer within ${timeoutMs} ms`;
  if (error instanceof Error) {
    const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
    const detail = typeof cause?.code === "string" ? cause.code : typeof cause?.message === "string" ? cause.message : null;
    return detail ? `${error.message} (${detail})` : error.message;
  }
  return String(error);
}

/** Worth trying again: the server or the network failed, not the request. 408 and 429 say "later". */
function isTransient(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/** Waits `ms` of real time; rejects with the signal's reason as soon as it aborts. */
function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, Math.max(0, ms));
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The per-execution state: the deadline is measured on the monotonic clock in
 * real time, not on context.clock, because the deploy system works in real
 * time whatever the demo's time scale is.
 */
interface Run {
  context: ExecutionContext;
  deadline: number;
  /** What the operation is, for summaries: "DEPLOYMENT of payment-service". */
  what: string;
}

export class WebhookExecutor implements OperationExecutor {
  readonly name = "webhook";

  constructor(private readonly config: WebhookExecutorConfig) {}

  async execute(context: ExecutionContext): Promise<ExecutionOutcome> {
    const { operation } = context;
    const run: Run = { context, deadline: performance.now() + this.config.overallTimeoutMs, what: `${operation.type} of ${operation.service}` };
    // Built once: every retry and every resumed attempt sends the same body under
    // the same Idempotency-Key, so the deploy system can recognise it.
    const body = JSON.stringify({
      operation: { id: operation.id, type: operation.type, service: operation.service, params: operation.params, correlationId: operation.correlationId, actor: operation.actor },
      attempt: context.attempt,
      // bigint is not JSON; a string keeps every digit (a JSON number would not past 2^53).
      fences: context.fences.map((f) => ({ scope: f.key.scope, resource: f.key.resource, fencingToken: f.fencingToken.toString() })),
    });
    return this.submit(run, body);
  }

  /**
   * A person paused the operation (docs/lifecycle.md "Stop and hold running
   * work"): Interlock stopped following the deploy system; this asks it to
   * hold where it is.
   */
  async hold(context: ExecutionContext, why: string): Promise<void> {
    await this.cancel(context, "pause", why);
  }

  /** A person aborted the operation: the deploy system is asked to stop and roll back what it changed. */
  async withdraw(context: ExecutionContext, why: string): Promise<WithdrawOutcome> {
    const { operation } = context;
    const answer = await this.cancel(context, "abort", why);
    const what = `${operation.type} of ${operation.service}`;
    return answer.ok
      ? { undone: true, summary: `The deploy system was asked to stop ${what} and roll back what it changed (HTTP ${answer.status}): ${why}.`, detail: { httpStatus: answer.status, url: answer.url } }
      : { undone: false, summary: `The deploy system could not be asked to roll back ${what} (${answer.problem}); check it before retrying.`, detail: { problem: answer.problem, url: answer.url } };
  }

  /**
   * One signed cancel request: DELETE on the status URL the deploy system gave
   * (where it tracks the run), else a POST to the webhook URL carrying
   * `{"cancel": {...}}`. Both name the operation, the action (pause or abort)
   * and why; the outcome is recorded as a step.
   */
  private async cancel(context: ExecutionContext, action: "pause" | "abort", why: string): Promise<{ ok: boolean; status: number | null; problem: string | null; url: string }> {
    const recorded = [...context.previousSteps].reverse().find((s) => typeof s.detail.statusUrl === "string")?.detail.statusUrl as string | undefined;
    // Only a status URL of the deploy system's own origin is ever sent a signed request.
    const statusUrl = recorded && sameOrigin(recorded, this.config.url) ? recorded : undefined;
    const body = JSON.stringify({ cancel: { operationId: context.operation.id, service: context.operation.service, action, reason: why } });
    const url = statusUrl ?? this.config.url;
    const method = statusUrl ? "DELETE" : "POST";
    const startedAt = context.clock.now().toISOString();
    const timestamp = String(Math.floor(Date.now() / 1000));
    let outcome: { ok: boolean; status: number | null; problem: string | null; url: string };
    try {
      const response = await fetch(url, {
        method,
        headers: { "Content-Type": "application/json", Accept: "application/json", "Idempotency-Key": `${context.operation.id}:${action}`, "X-Interlock-Timestamp": timestamp, "X-Interlock-Signature": signWebhookPayload(this.config.secret, timestamp, signedTarget(method, url), body) },
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(this.config.requestTimeoutMs),
      });
      const text = await response.text();
      outcome = { ok: response.status >= 200 && response.status < 300, status: response.status, problem: response.status >= 300 ? `HTTP ${response.status}: ${messageOf(text)}` : null, url };
    } catch (error) {
      outcome = { ok: false, status: null, problem: describeRequestError(error, this.config.requestTimeoutMs), url };
    }
    await context.recordStep({ name: `webhook cancel (${action})`, startedAt, endedAt: context.clock.now().toISOString(), outcome: outcome.ok ? "PASSED" : "FAILED", detail: { action, reason: why, url, httpStatus: outcome.status, problem: outcome.problem } });
    return outcome;
  }

  private remaining(run: Run): number {
    return run.deadline - performance.now();
  }

  private backoff(retry: number): number {
    return Math.min(this.config.initialBackoffMs * 2 ** (retry - 1), this.config.maxBackoffMs);
  }

  private async submit(run: Run, body: string): Promise<ExecutionOutcome> {
    const { context } = run;
    let lastProblem: string | null = null;
    for (let attempt = 1; ; attempt++) {
      if (this.remaining(run) <= 0) return this.timedOut(run, { lastStatus: "not accepted", lastProblem, statusUrl: null });
      const startedAt = context.clock.now().toISOString();
      // Immediately before the action on production, as the port asks: a holder
      // whose lease lapsed during the backoff must not send.
      context.assertFenced();
      const answer = await this.send(run, "POST", this.config.url, body);
      if ("error" in answer) {
        lastProblem = answer.error;
      } else if (isTransient(answer.status)) {
        lastProblem = `HTTP ${answer.status}: ${messageOf(answer.text)}`;
      } else {
        return this.handleSubmissionAnswer(run, answer, startedAt, attempt);
      }
      await context.recordStep({ name: `webhook request ${attempt} failed`, startedAt, endedAt: context.clock.now().toISOString(), outcome: "INFO", detail: { attempt, problem: lastProblem } });
      if (attempt >= this.config.maxAttempts) {
        return {
          status: "FAILED",
          summary: `The deploy system did not accept ${run.what} after ${attempt} attempts; last error: ${lastProblem}.`,
          detail: { attempts: attempt, lastProblem },
        };
      }
      await delay(Math.min(this.backoff(attempt), Math.max(0, this.remaining(run))), context.signal);
    }
  }

  private async handleSubmissionAnswer(run: Run, answer: HttpAnswer, startedAt: string, attempts: number): Promise<ExecutionOutcome> {
    const { context } = run;
    const endedAt = context.clock.now().toISOString();
    if (answer.status >= 400) {
      const message = messageOf(answer.text);
      await context.recordStep({ name: "webhook refused", startedAt, endedAt, outcome: "FAILED", detail: { httpStatus: answer.status, message } });
      return { status: "FAILED", summary: `The deploy system refused ${run.what} (HTTP ${answer.status}): ${message}.`, detail: { httpStatus: answer.status, message, attempts } };
    }
    if (answer.status < 200 || answer.status >= 300) {
      // Redirects are not followed: a signed request is meant for the configured URL only.
      return { status: "FAILED", summary: `The deploy system answered ${run.what} with HTTP ${answer.status}, which the webhook protocol does not use.`, detail: { httpStatus: answer.status, attempts } };
    }
    const parsed = parseAnswer(answer.text);
    if (parsed?.status && isTerminal(parsed.status)) {
      await context.recordStep({ name: `webhook ${parsed.status}`, startedAt, endedAt, outcome: parsed.status === "SUCCEEDED" ? "PASSED" : "FAILED", detail: { httpStatus: answer.status, status: parsed.status, summary: parsed.summary ?? null } });
      return this.finished(run, parsed.status, parsed, { httpStatus: answer.status, attempts, statusUrl: null });
    }
    const statusUrl = parsed?.statusUrl ?? answer.location;
    if (!statusUrl) {
      return {
        status: "FAILED",
        summary: `The deploy system answered ${run.what} with HTTP ${answer.status} but gave neither a final status nor a status URL to follow.`,
        detail: { httpStatus: answer.status, attempts },
      };
    }
    let resolved: string;
    try {
      resolved = new URL(statusUrl, this.config.url).toString();
    } catch {
      return { status: "FAILED", summary: `The deploy system accepted ${run.what} but its status URL is not a URL.`, detail: { httpStatus: answer.status, attempts } };
    }
    // Signed requests go to the deploy system only: a status URL on another origin (a compromised or
    // confused deploy system pointing elsewhere) is not followed (docs/security.md#smaller-rules).
    if (!sameOrigin(resolved, this.config.url)) {
      await context.recordStep({ name: "webhook refused status URL", startedAt, endedAt, outcome: "FAILED", detail: { httpStatus: answer.status, refusedStatusUrl: resolved.slice(0, 500) } });
      return {
        status: "FAILED",
        summary: `The deploy system accepted ${run.what} but its status URL ${resolved.slice(0, 200)} is on another origin than ${new URL(this.config.url).origin}; Interlock sends signed requests only to the configured deploy system.`,
        detail: { httpStatus: answer.status, attempts, refusedStatusUrl: resolved.slice(0, 500) },
      };
    }
    const status = parsed?.status ?? "ACCEPTED";
    await context.recordStep({ name: "webhook accepted", startedAt, endedAt, outcome: "INFO", detail: { httpStatus: answer.status, statusUrl: resolved, status } });
    return this.poll(run, resolved, status);
  }

  private async poll(run: Run, statusUrl: string, initialStatus: string): Promise<ExecutionOutcome> {
    const { context } = run;
    let lastStatus = initialStatus;
    let interval = this.config.pollIntervalMs;
    let failuresInARow = 0;
    let lastProblem: string | null = null;
    for (;;) {
      if (this.remaining(run) <= 0) return this.timedOut(run, { lastStatus, lastProblem, statusUrl });
      await delay(Math.min(interval, this.remaining(run)), context.signal);
      if (this.remaining(run) <= 0) return this.timedOut(run, { lastStatus, lastProblem, statusUrl });
      interval = Math.min(interval * 2, this.config.maxPollIntervalMs);

      const startedAt = context.clock.now().toISOString();
      const answer = await this.send(run, "GET", statusUrl, "");
      // A poll cut short by the overall deadline says nothing about the deploy system.
      if ("error" in answer && this.remaining(run) <= 0) return this.timedOut(run, { lastStatus, lastProblem, statusUrl });
      if (!("error" in answer) && answer.status >= 400 && !isTransient(answer.status)) {
        const message = messageOf(answer.text);
        return {
          status: "FAILED",
          summary: `The deploy system's status URL for ${run.what} answered HTTP ${answer.status}: ${message}; last status seen: ${lastStatus}.`,
          detail: { httpStatus: answer.status, message, lastStatus, statusUrl },
        };
      }
      const parsed = "error" in answer || answer.status >= 300 ? null : parseAnswer(answer.text);
      if (!parsed?.status) {
        lastProblem = "error" in answer ? answer.error : answer.status >= 300 ? `HTTP ${answer.status}: ${messageOf(answer.text)}` : "the answer carries no status";
        failuresInARow += 1;
        if (failuresInARow >= this.config.maxAttempts) {
          return {
            status: "FAILED",
            summary: `Lost track of ${run.what}: its status URL failed ${failuresInARow} times in a row (${lastProblem}); last status seen: ${lastStatus}.`,
            detail: { lastProblem, lastStatus, statusUrl },
          };
        }
        continue;
      }
      failuresInARow = 0;
      if (parsed.status !== lastStatus) {
        lastStatus = parsed.status;
        const outcome = !isTerminal(parsed.status) ? "INFO" : parsed.status === "SUCCEEDED" ? "PASSED" : "FAILED";
        await context.recordStep({ name: `webhook status ${parsed.status}`, startedAt, endedAt: context.clock.now().toISOString(), outcome, detail: { status: parsed.status, summary: parsed.summary ?? null } });
      }
      if (isTerminal(parsed.status)) return this.finished(run, parsed.status, parsed, { statusUrl });
    }
  }

  private finished(run: Run, status: ExecutionStatus, answer: DeploySystemAnswer, extra: { [key: string]: JsonValue }): ExecutionOutcome {
    return {
      status,
      summary: answer.summary?.trim() || `The deploy system reported ${status} for ${run.what}.`,
      detail: { ...extra, deploySystem: (answer.detail ?? null) as JsonValue },
    };
  }

  /**
   * FAILED, because Interlock could not confirm the change; the summary says it
   * may still be running, since the deploy system was never told to stop.
   */
  private timedOut(run: Run, last: { lastStatus: string; lastProblem: string | null; statusUrl: string | null }): ExecutionOutcome {
    const seconds = Math.round(this.config.overallTimeoutMs / 100) / 10;
    const problem = last.lastProblem ? ` (last error: ${last.lastProblem})` : "";
    return {
      status: "FAILED",
      summary: `Timed out after ${seconds} s waiting for the deploy system to finish ${run.what}; last status seen: ${last.lastStatus}${problem}. It may still complete: check the deploy system before retrying.`,
      detail: { timedOut: true, lastStatus: last.lastStatus, lastProblem: last.lastProblem, statusUrl: last.statusUrl },
    };
  }

  /**
   * One signed request. A network error or per-request timeout comes back as
   * `{ error }` to be retried; an abort of context.signal is thrown as its
   * reason, so a lost lease or a cancellation stops the execution at once.
   */
  private async send(run: Run, method: "POST" | "GET", url: string, body: string): Promise<HttpAnswer | { error: string }> {
    const { context } = run;
    // Wall-clock seconds, not context.clock: the receiver checks freshness against its own real clock.
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> = {
      Accept: "application/json",
      "Idempotency-Key": context.operation.id,
      "X-Interlock-Timestamp": timestamp,
      "X-Interlock-Signature": signWebhookPayload(this.config.secret, timestamp, signedTarget(method, url), body),
    };
    if (method === "POST") headers["Content-Type"] = "application/json";
    const timeoutMs = Math.max(1, Math.min(this.config.requestTimeoutMs, Math.ceil(this.remaining(run))));
    try {
      const response = await fetch(url, {
        method,
        headers,
        ...(method === "POST" ? { body } : {}),
        redirect: "manual",
        signal: AbortSignal.any([context.signal, AbortSignal.timeout(timeoutMs)]),
      });
      return { status: response.status, location: response.headers.get("location"), text: await response.text() };
    } catch (error) {
      if (context.signal.aborted) throw context.signal.reason;
      return { error: describeRequestError(error, timeoutMs) };
    }
  }
}
