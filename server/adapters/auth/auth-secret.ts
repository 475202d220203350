import "server-only";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * The secret that signs session cookies: AUTH_SECRET when set (required on a
 * DATABASE_URL store, see server/env.ts), else one generated once for the
 * embedded store and kept in its data directory (mode 0600), so sessions
 * survive a restart and no secret is shared between installations.
 */
export function loadAuthSecret(options: { configured: string | undefined; secretFile: string }): string {
  if (options.configured) return options.configured;
  try {
    return readSecret(options.secretFile);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  fs.mkdirSync(path.dirname(options.secretFile), { recursive: true });
  const secret = crypto.randomBytes(48).toString("base64url");
  try {
    fs.writeFileSync(options.secretFile, secret + "\n", { mode: 0o600, flag: "wx" });
    return secret;
  } catch (error) {
    // Another process generated it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return readSecret(options.secretFile);
    throw error;
  }
}

function readSecret(file: string): string {
  const secret = fs.readFileSync(file, "utf8").trim();
  if (secret.length < 32) throw new Error(`${file} holds a session secret shorter than 32 characters; delete it to have a new one generated`);
  return secret;
}
