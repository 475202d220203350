import "server-only";
import { AppError } from "../core/errors";

/**
 * How deeply arrays and objects may nest in a request body (docs/api.md#errors).
 * Checked on the text before anything parses it: JSON.parse and the schemas
 * recurse, and a small body nested thousands of levels deep would exhaust the
 * stack. Nothing the API takes comes close (a submission's `params` are
 * configuration, an Alertmanager payload nests four levels).
 */
export const MAX_JSON_DEPTH = 64;

/**
 * After refusing a body as too large, up to this much more of it is read and
 * dropped (for at most DRAIN_MAX_MS), so that the 413 reaches the client and
 * the connection then closes cleanly instead of being reset (docs/api.md#errors).
 */
const DRAIN_MAX_BYTES = 1024 * 1024;
const DRAIN_MAX_MS = 2_000;

/**
 * The request's JSON body, refusing (before parsing anything) a body larger
 * than `maxBytes`, one that is not declared as JSON, one nested deeper than
 * MAX_JSON_DEPTH and one that is not valid JSON: each with its own status and
 * a message saying what to send instead.
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i.test(type)) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", `Send the body as JSON with Content-Type: application/json${type ? ` (got ${type.slice(0, 100)})` : ""}`, { contentType: type.slice(0, 100) || null });
  }
  const bytes = await readAtMost(request, maxBytes);
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  if (text.trim() === "") throw new AppError("MALFORMED_REQUEST", "The request body is empty; send a JSON object");
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new AppError("VALIDATION_FAILED", `The request body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep; send at most ${MAX_JSON_DEPTH}`, {
      maxDepth: MAX_JSON_DEPTH,
      issues: [{ path: ["body"], message: `nested more than ${MAX_JSON_DEPTH} levels deep` }],
    });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AppError("MALFORMED_REQUEST", `The request body is not valid JSON: ${error instanceof Error ? error.message.slice(0, 200) : "parse error"}`);
  }
}

/**
 * The request's body as the bytes received, for an endpoint that must check
 * a signature over them before anything parses them (Slack's interactions:
 * docs/slack.md). Refused with 415 unless its Content-Type is `contentType`,
 * and with 413 past `maxBytes`, never read whole.
 */
export async function readRawBody(request: Request, maxBytes: number, contentType: string): Promise<Uint8Array> {
  const type = request.headers.get("content-type") ?? "";
  if (type.split(";")[0]!.trim().toLowerCase() !== contentType) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", `Send the body as ${contentType}${type ? ` (got ${type.slice(0, 100)})` : ""}`, { contentType: type.slice(0, 100) || null });
  }
  return readAtMost(request, maxBytes);
}

/**
 * For an endpoint that takes no body: nothing, or an empty JSON object, is
 * accepted; anything else is refused (422) instead of ignored, and a body over
 * `maxBytes` is refused as too large (413) without being read whole.
 */
export async function readNoBody(request: Request, maxBytes: number): Promise<undefined> {
  if (request.body === null || request.method === "GET" || request.method === "HEAD") return undefined;
  const text = new TextDecoder("utf-8", { fatal: false }).decode(await readAtMost(request, maxBytes)).trim();
  if (text.length > 0 && text !== "{}") throw new AppError("VALIDATION_FAILED", "This endpoint takes no request body", { issues: [{ path: ["body"], message: "must be empty" }] });
  return undefined;
}

/**
 * True when `text`, read as JSON, opens more than `max` arrays and objects
 * inside one another: one pass counting [ and { outside strings. Text that is
 * not JSON may count wrongly; JSON.parse refuses it afterwards.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return false;
}

/** The body's bytes, streamed: refused with 413 once past `maxBytes` (or when Content-Length says it will be), never read whole. */
async function readAtMost(request: Request, maxBytes: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array();
  const declared = Number(request.headers.get("content-length"));
  if (request.headers.has("content-length") && Number.isFinite(declared) && declared > maxBytes) {
    // Read nothing; drop what is left when that is little, so the answer arrives whole.
    if (declared - maxBytes <= DRAIN_MAX_BYTES) await discardRest(request.body.getReader());
    throw tooLarge(declared, maxBytes);
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await discardRest(reader);
      throw tooLarge(total, maxBytes);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/**
 * Reads and drops the rest of a refused body, up to DRAIN_MAX_BYTES and
 * DRAIN_MAX_MS, then lets go of it. It never cancels the stream: under Next
 * the body is the socket's request stream, and cancelling it destroys the
 * socket before the 413 is written (the client sees a reset connection, not
 * the answer). A body that ends within the budget leaves nothing unread, so
 * the connection closes cleanly after the 413 (which says Connection: close,
 * server/http/route.ts); a longer one is left to the server, which closes the
 * connection after the answer.
 */
async function discardRest(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  const deadline = Date.now() + DRAIN_MAX_MS;
  let dropped = 0;
  try {
    while (dropped <= DRAIN_MAX_BYTES) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const read = reader.read();
      read.catch(() => {}); // released below while still pending: its rejection is expected
      let timer: ReturnType<typeof setTimeout> | undefined;
      const next = await Promise.race([read, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), left)))]).finally(() => clearTimeout(timer));
      if (next === null || next.done) break;
      dropped += next.value.byteLength;
    }
  } catch {
    // The client went away: nothing left to drop.
  } finally {
    reader.releaseLock();
  }
}

function tooLarge(bytes: number, maxBytes: number): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", `The request body is over ${maxBytes} bytes (at least ${bytes}); send less`, { maxBytes });
}
