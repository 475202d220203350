import "server-only";
// A server process for audit-least-privilege.integration.test.ts: boots as the
// server does (server/boot.ts: configuration, migrations, the container, the
// SIGTERM handler), appends events, says where the head is, then waits to be
// stopped. The test sends SIGTERM and checks that the stop signed them.
import { bootServer } from "../../boot";
import { getContainer } from "../../container";

await bootServer();
const container = await getContainer();
const count = Number(process.env.GRACEFUL_STOP_EVENTS ?? "10");
for (let i = 0; i < count; i++) {
  await container.audit.log.append({ category: "DEPLOYMENT", severity: "INFO", actor: "deployer", service: "checkout", action: "deploy.step", payload: { i } });
}
const head = await container.audit.store.head();
console.log(JSON.stringify({ ready: true, head }));
// Stay up until the signal; the handler bootServer installed exits.
setInterval(() => {}, 60_000);
