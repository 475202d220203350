// Configuration for the command-line scripts, read the way `next start` reads it
// (.env files, then the environment) and refused with the same message.
import path from "node:path";
import nextEnv from "@next/env";
import { assertSafeToServe, EnvError, parseEnv, type Env } from "../../server/env";

export const projectRoot = path.resolve(import.meta.dirname, "..", "..");

/** `forServing`: the server's own start, which also refuses published secrets on a real store. */
export function loadConfigOrExit(options: { forServing?: boolean } = {}): Env {
  nextEnv.loadEnvConfig(projectRoot, false, { info: () => {}, error: console.error });
  try {
    const env = parseEnv(process.env);
    if (options.forServing) assertSafeToServe(env);
    return env;
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(`Interlock cannot start.\n${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}
