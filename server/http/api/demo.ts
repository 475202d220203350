import "server-only";
import { ZIdParams } from "@/lib/api/common";
import { ZDemoCatalog, ZDemoRun, ZDemoRunList } from "@/lib/api/demo";
import { getConsoleDemo } from "../../../demo/console/console-demo";
import { ZStartDemoRunInput } from "../../../demo/pipeline/demo-runner";
import { endpoint, type EndpointResponse } from "../endpoint";
import { AUTH_ERRORS, CONFLICT, NOT_FOUND } from "./responses";
import { ZErrorBody } from "@/lib/api/common";

const UNAVAILABLE: Record<number, EndpointResponse> = {
  503: { description: "This server cannot inject faults (it reads Prometheus, deploys through the webhook or drives no operations), or cannot run this row here (the row's unavailableReason says why)", schema: ZErrorBody },
};

export const listDemoScenariosEndpoint = endpoint({
  operationId: "listDemoScenarios",
  method: "GET",
  path: "/api/v1/demo/scenarios",
  summary: "The self-healing demo and the failure injection matrix",
  description: "The failure injection matrix's 20 scenarios with their expected reactions, whether this server can run them (each row says why not), its time scale, and the manual-MTTR baseline in force (the incident setting manualMttrMinutes).",
  tags: ["demo"],
  access: "VIEWER",
  responses: { 200: { description: "The scenarios", schema: ZDemoCatalog }, ...AUTH_ERRORS },
  async handler() {
    return { status: 200, body: await (await getConsoleDemo()).catalog() };
  },
});

export const startDemoRunEndpoint = endpoint({
  operationId: "startDemoRun",
  method: "POST",
  path: "/api/v1/demo/runs",
  summary: "Inject a failure scenario",
  description:
    "Starts one scenario against the real orchestrator of this server and returns at once (202); poll the run for its log and verdict. One run at a time (409 while another runs). Everything a scenario injects is withdrawn when it ends, and its start and verdict are audited.",
  tags: ["demo"],
  access: "OPERATOR",
  body: ZStartDemoRunInput,
  responses: { 202: { description: "Started", schema: ZDemoRun }, ...AUTH_ERRORS, ...CONFLICT, ...UNAVAILABLE },
  async handler({ principal, body }) {
    const run = (await getConsoleDemo()).start(body, principal!.actor);
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
  responses: { 200: { description: "Newest first", schema: ZDemoRunList }, ...AUTH_ERRORS },
  async handler() {
    return { status: 200, body: { items: (await getConsoleDemo()).list() } };
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
  responses: { 200: { description: "The run", schema: ZDemoRun }, ...AUTH_ERRORS, ...NOT_FOUND },
  async handler({ params }) {
    return { status: 200, body: (await getConsoleDemo()).get(params.id) };
  },
});
