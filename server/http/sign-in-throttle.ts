import "server-only";
import type { Container } from "../container";
import { signInClientAddress } from "../core/identity/sign-in-client-address";
import { mapError } from "./error-response";
import { requestIdOf } from "./route";

// The throttle in front of next-auth's credentials sign-in
// (POST /api/auth/callback/credentials; docs/security.md#sign-in-abuse): the
// attempt is counted for its email and client address and, past the limits,
// answered 429 here, before next-auth parses it and before any password is
// hashed. The body is the API's error body (RATE_LIMITED, what is throttled,
// retryAfterSeconds) plus `url`, the field next-auth's client reads from every
// sign-in answer.

const MAX_EMAIL_LENGTH = 320;

/** The email of a sign-in POST, read from a copy of the request (next-auth reads the original). */
async function emailOf(request: Request): Promise<string> {
  const type = request.headers.get("content-type") ?? "";
  try {
    if (type.includes("application/x-www-form-urlencoded")) return String(new URLSearchParams(await request.clone().text()).get("email") ?? "").slice(0, MAX_EMAIL_LENGTH);
    if (type.includes("application/json")) {
      const body = (await request.clone().json()) as { email?: unknown };
      return typeof body?.email === "string" ? body.email.slice(0, MAX_EMAIL_LENGTH) : "";
    }
  } catch {
    // Not parseable: next-auth refuses it; the attempt still counts for its address.
  }
  return "";
}

const MESSAGES = {
  account: "Too many failed sign-ins for this account",
  address: "Too many sign-in attempts from this address",
  server: "Too many passwords are being checked at once",
} as const;

/** A 429 for a sign-in refused by throttling, in the API's error shape with Retry-After. */
export function signInThrottledResponse(request: Request, throttled: keyof typeof MESSAGES, retryAfterSeconds: number): Response {
  const body = {
    error: { code: "RATE_LIMITED", message: `${MESSAGES[throttled]}: try again in ${retryAfterSeconds} s.`, details: { throttled, retryAfterSeconds } },
    url: new URL(`/signin?error=RATE_LIMITED`, request.url).toString(),
  };
  return Response.json(body, { status: 429, headers: { "Retry-After": String(retryAfterSeconds), "Cache-Control": "no-store" } });
}

/** null when the attempt may go on to next-auth; else the answer to send instead. */
export async function refuseThrottledSignIn(container: Container, request: Request): Promise<Response | null> {
  const address = signInClientAddress(request.headers.get("x-forwarded-for"), container.env.TRUST_PROXY_HOPS);
  try {
    const decision = await container.identity.signInAttempts.admit({ email: await emailOf(request), address });
    return decision.allowed ? null : signInThrottledResponse(request, decision.throttled, decision.retryAfterSeconds);
  } catch (error) {
    // The counts cannot be read (Redis or the store is down): refused, not let through uncounted.
    const requestId = requestIdOf(request);
    const mapped = mapError(error, requestId);
    container.log.error({ err: error, requestId }, "sign-in throttling failed");
    return Response.json(mapped.status === 500 ? { error: { code: "UNAVAILABLE", message: "Sign-in is unavailable: try again shortly.", details: { requestId } } } : mapped.body, { status: mapped.status === 500 ? 503 : mapped.status });
  }
}
