// Configuration for the command-line scripts, read the way `next start` reads it
// (.env files, then the environment) and refused with the same message.
import path from "node:path";
import nextEnv from "@next/env";
import { EnvError, parseEnv, type Env } from "../../server/env";

export const projectRoot = path.resolve(import.meta.dirname, "..", "..");

export function loadConfigOrExit(): Env {
  nextEnv.loadEnvConfig(projectRoot, false, { info: () => {}, error: console.error });
  try {
    return parseEnv(process.env);
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(`Interlock cannot start.\n${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}
