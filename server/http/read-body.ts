import "server-only";
import { AppError } from "../core/errors";

/**
 * The request's JSON body, refusing (before parsing anything) a body larger
 * than `maxBytes`, one that is not declared as JSON, and one that is not valid
 * JSON: each with its own status and a message saying what to send instead.
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i.test(type)) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", `Send the body as JSON with Content-Type: application/json${type ? ` (got ${type.slice(0, 100)})` : ""}`, { contentType: type.slice(0, 100) || null });
  }
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(declared, maxBytes);
  const bytes = await readAtMost(request, maxBytes);
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  if (text.trim() === "") throw new AppError("MALFORMED_REQUEST", "The request body is empty; send a JSON object");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AppError("MALFORMED_REQUEST", `The request body is not valid JSON: ${error instanceof Error ? error.message.slice(0, 200) : "parse error"}`);
  }
}

async function readAtMost(request: Request, maxBytes: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
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

function tooLarge(bytes: number, maxBytes: number): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", `The request body is over ${maxBytes} bytes (at least ${bytes}); send less`, { maxBytes });
}
