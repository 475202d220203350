// Flag values: parsers commander calls for each flag (a bad value throws
// InvalidArgumentError, which commander reports naming the flag and exits 2,
// docs/cli.md#exit-codes) and the assembly of an operation's params from
// --params-json, --param and --param-json.
import { InvalidArgumentError } from "commander";
import { OPERATION_TYPES } from "../lib/api/operations";
import { LOCK_PRIORITY_NAMES } from "../lib/api/plan";

/** One --param or --param-json, in the order given on the command line. */
export interface ParamEntry {
  key: string;
  value: unknown;
}

function splitKeyValue(raw: string): [string, string] {
  const at = raw.indexOf("=");
  if (at < 0) throw new InvalidArgumentError("expected key=value.");
  const key = raw.slice(0, at).trim();
  if (!key) throw new InvalidArgumentError("expected key=value with a non-empty key.");
  return [key, raw.slice(at + 1)];
}

/** `--param k=v`: the value is a string, always (docs/cli.md#params). */
export function parseParam(raw: string): ParamEntry {
  const [key, value] = splitKeyValue(raw);
  return { key, value };
}

/** `--param-json k=<json>`: the value is parsed as JSON (numbers, booleans, objects). */
export function parseParamJson(raw: string): ParamEntry {
  const [key, text] = splitKeyValue(raw);
  try {
    return { key, value: JSON.parse(text) };
  } catch (error) {
    throw new InvalidArgumentError(`the value of ${key} is not JSON (${(error as Error).message}).`);
  }
}

/**
 * The parsers of --param and --param-json for one command line. Both flags
 * fill one list, so the order they were typed in is kept and a later value
 * of a key replaces an earlier one whichever flag gave it.
 */
export function paramFlags(): { entries: ParamEntry[]; param: (raw: string) => ParamEntry[]; paramJson: (raw: string) => ParamEntry[] } {
  const entries: ParamEntry[] = [];
  return {
    entries,
    param: (raw) => (entries.push(parseParam(raw)), entries),
    paramJson: (raw) => (entries.push(parseParamJson(raw)), entries),
  };
}

/** `--params-json '{…}'`: a JSON object, the base the --param flags add to. */
export function parseParamsJson(raw: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new InvalidArgumentError(`not JSON (${(error as Error).message}).`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new InvalidArgumentError("expected a JSON object, like '{\"version\":\"1.4.2\"}'.");
  return value as Record<string, unknown>;
}

/**
 * The params sent: --params-json first, then every --param and --param-json
 * in command-line order. Undefined when nothing was given, so the body
 * leaves `params` out.
 */
export function buildParams(base: Record<string, unknown> | undefined, entries: readonly ParamEntry[]): Record<string, unknown> | undefined {
  if (!base && entries.length === 0) return undefined;
  const params: Record<string, unknown> = { ...base };
  for (const e of entries) params[e.key] = e.value;
  return params;
}

/** An operation type, in any case: `deployment` is DEPLOYMENT. */
export function parseType(raw: string): (typeof OPERATION_TYPES)[number] {
  const upper = raw.trim().toUpperCase().replace(/-/g, "_");
  const found = OPERATION_TYPES.find((t) => t === upper);
  if (!found) throw new InvalidArgumentError(`expected one of ${OPERATION_TYPES.join(", ")}.`);
  return found;
}

export function parsePriority(raw: string): (typeof LOCK_PRIORITY_NAMES)[number] {
  const upper = raw.trim().toUpperCase();
  const found = LOCK_PRIORITY_NAMES.find((p) => p === upper);
  if (!found) throw new InvalidArgumentError(`expected one of ${LOCK_PRIORITY_NAMES.join(", ")}.`);
  return found;
}

/** The lease of `run`, in whole seconds, 10..3600 (docs/cli.md#heartbeats-and-the-lease). */
export function parseLease(raw: string): number {
  const text = raw.trim().replace(/s$/, "");
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError("expected whole seconds between 10 and 3600, like 60.");
  const seconds = Number(text);
  if (seconds < 10 || seconds > 3600) throw new InvalidArgumentError("expected whole seconds between 10 and 3600.");
  return seconds;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration: `90s`, `30m`, `1h30m`, `500ms`, or a plain number of seconds.
 * `0` means no limit and is returned as null.
 */
export function parseDuration(raw: string): number | null {
  const text = raw.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(text)) {
    const ms = Number(text) * 1000;
    return ms === 0 ? null : ms;
  }
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) throw new InvalidArgumentError("expected a duration like 90s, 30m, 1h30m or 0 for no limit.");
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]!]!, 0);
  return ms === 0 ? null : Math.round(ms);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An operation or incident id: a UUID, checked here so a typo is a usage error, not a 404. */
export function parseId(raw: string): string {
  const text = raw.trim();
  if (!UUID.test(text)) throw new InvalidArgumentError("expected an id like 0b7c1a52-3f0e-4c55-9a55-2d8e1d3c9f10.");
  return text.toLowerCase();
}

export function parseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new InvalidArgumentError("expected a URL like http://localhost:3000.");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new InvalidArgumentError("expected an http:// or https:// URL.");
  return url.toString().replace(/\/+$/, "");
}

/** A duration for people: 42s, 3m05s, 1h02m. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m${String(s).padStart(2, "0")}s`;
  return `${s}s`;
}
