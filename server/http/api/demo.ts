import "server-only";
import { ZIdParams } from "@/lib/api/common";
import { ZDemoCatalog, ZDemoRun, ZDemoRunList } from "@/lib/api/demo";
import { ZStartDemoRunInput } from "../../core/demo/demo-runner";
import { endpoint, type EndpointResponse } from "../endpoint";
import { AUTH_ERRORS, CONFLICT, NOT_FOUND } from "./responses";
import { ZErrorBody } from "@/lib/api/common";

const UNAVAILABLE: Record<number, EndpointResponse> = { 503: { description: "This server cannot inject faults (it reads Prometheus or deploys through the webhook)", schema: ZErrorBody } };

export const listDemoScenariosEndpoint = endpoint({
  operationId: "listDemoScenarios",
  method: "GET",
  path: "/api/v1/demo/scenarios",
  summary: "The self-healing demo and the failure injection matrix",
  description: "Seed 001's 20 failure scenarios with their expected reactions, whether this server can run them, and its time scale.",
  tags: ["demo"],
  access: "VIEWER",
  responses: { 200: { description: "The scenarios", schema: ZDemoCatalog }, ...AUTH_ERRORS },
  async handler({ container }) {
    return { status: 200, body: container.demo.catalog() };
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
  async handler({ container, principal, body }) {
    const run = container.demo.start(body, principal!.actor);
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
  async handler({ container }) {
    return { status: 200, body: { items: container.demo.list() } };
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
  async handler({ container, params }) {
    return { status: 200, body: container.demo.get(params.id) };
  },
});
