import "server-only";
import { disposeContainer, getContainer } from "./container";
import { EnvError, getEnv } from "./env";
import { getLogger } from "./logger";

/** Start-up of a server process: fail fast and loudly, shut down cleanly. */
export async function bootServer(): Promise<void> {
  try {
    getEnv();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(`Interlock cannot start.\n${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const log = getLogger();
  try {
    await getContainer();
  } catch (error) {
    log.fatal({ err: error }, `Interlock cannot start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  // PGlite writes its files from this process: close it so the next start finds them clean.
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      log.info({ signal }, "shutting down");
      void disposeContainer().finally(() => process.exit(0));
    });
  }
}
