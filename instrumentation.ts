// Next.js calls register() once when a server process starts, before it serves
// anything: configuration is validated, migrations applied and the demo
// topology seeded here, so a bad DATABASE_URL stops the start-up with a message
// instead of surfacing as the first request's 500.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { bootServer } = await import("./server/boot");
  await bootServer();
}
