import "server-only";
import { ZIdParams } from "@/lib/api/common";
import { ZDemoCatalog, ZDemoRun, ZDemoRunList } from "@/lib/api/demo";
import { consoleDemoFor } from "../../../demo/console/console-demo";
import { ZStartDemoRunInput } from "../../../demo/pipeline/demo-runner";
import { endpoint, type EndpointResponse } from "../endpoint";
import { AUTH_ERRORS, CONFLICT } from "./responses";
import { ZErrorBody } from "@/lib/api/common";

const UNAVAILABLE: Record<number, EndpointResponse> = {
  503: { description: "This server cannot inject faults (on the embedded store: it reads Prometheus, deploys through the webhook or drives no operations), or cannot run this row here (the row's unavailableReason says why)", schema: ZErrorBody },
};

// Where INTERLOCK_DEMO is off (by default with DATABASE_URL), every demo endpoint answers 404 and
// nothing of the demo is built (docs/security.md#the-demo-on-a-real-deployment).
const DEMO_OFF = "The demo is off on this deployment (INTERLOCK_DEMO=false, the default with DATABASE_URL); details.enableWith says how to turn it on";
const OFF: Record<number, EndpointResponse> = { 404: { description: DEMO_OFF, schema: ZErrorBody } };

export const listDemoScenariosEndpoint = endpoint({
  operationId: "listDemoScenarios",
  method: "GET",
  path: "/api/v1/demo/scenarios",
  summary: "The self-healing demo and the failure injection matrix",
  description: "The failure injection matrix's 20 scenarios with their expected reactions, whether this server can run them (each row says why not), its time scale, and the manual-MTTR baseline in force (the incident setting manualMttrMinutes).",
  tags: ["demo"],
  access: "VIEWER",
  responses: { 200: { description: "The scenarios", schema: ZDemoCatalog }, ...AUTH_ERRORS, ...OFF },
  async handler({ container }) {
    return { status: 200, body: await (await consoleDemoFor(container)).catalog() };
  },
});

export const startDemoRunEndpoint = endpoint({
  operationId: "startDemoRun",
  method: "POST",
  path: "/api/v1/demo/runs",
  summary: "Inject a failure scenario",
  description:
    "Starts one scenario with a real orchestrator and returns at once (202); poll the run for its log and verdict. Admins only. On a DATABASE_URL deployment the run happens in a sandbox store of its own (its own database, audit chain, locks and console inbox), dropped after it; on the embedded store beside this server's store. One run at a time (409 while another runs). Everything a scenario injects is withdrawn when it ends, and its start and verdict are audited in the chain the run wrote to.",
  tags: ["demo"],
  access: "ADMIN",
  body: ZStartDemoRunInput,
  responses: { 202: { description: "Started", schema: ZDemoRun }, ...AUTH_ERRORS, ...CONFLICT, ...UNAVAILABLE, 404: { description: `${DEMO_OFF}; or no such scenario`, schema: ZErrorBody } },
  async handler({ principal, body, container, log }) {
    const run = (await consoleDemoFor(container)).start(body, principal!.actor);
    // A sandboxed run writes nothing to this server's audit log: the server's own log says who started what.
    log.info({ actor: principal!.actor, scenario: run.scenario.id, runId: run.id, sandbox: run.sandbox }, "demo run started");
    return { status: 202, body: run, headers: { location: `/api/v1/demo/runs/${run.id}` } };
  },
});

export const listDemoRunsEndpoint = endpoint({
  operationId: "listDemoRuns",
  method: "GET",
  path: "/api/v1/demo/runs",
  summary: "This server's recent demo runs",
  tags: ["demo"],
  access: "VIEWER",
  responses: { 200: { description: "Newest first", schema: ZDemoRunList }, ...AUTH_ERRORS, ...OFF },
  async handler({ container }) {
    return { status: 200, body: { items: (await consoleDemoFor(container)).list() } };
  },
});

export const getDemoRunEndpoint = endpoint({
  operationId: "getDemoRun",
  method: "GET",
  path: "/api/v1/demo/runs/{id}",
  summary: "One demo run: its log and verdict",
  tags: ["demo"],
  access: "VIEWER",
  params: ZIdParams,
  responses: { 200: { description: "The run", schema: ZDemoRun }, ...AUTH_ERRORS, 404: { description: `No such run on this server; or ${DEMO_OFF.charAt(0).toLowerCase()}${DEMO_OFF.slice(1)}`, schema: ZErrorBody } },
  async handler({ params, container }) {
    return { status: 200, body: (await consoleDemoFor(container)).get(params.id) };
  },
});
