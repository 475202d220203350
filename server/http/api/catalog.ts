import "server-only";
import type { Endpoint } from "../endpoint";
import { auditStatisticsEndpoint, exportAuditEndpoint, queryAuditEventsEndpoint, verifyAuditEndpoint } from "./audit";
import { getBlastRadiusEndpoint, getTopologyEndpoint } from "./graph";
import { createApiTokenEndpoint, createUserEndpoint, listApiTokensEndpoint, listUsersEndpoint, revokeApiTokenEndpoint, whoAmIEndpoint } from "./identity";
import { forceReleaseLockEndpoint, listLocksEndpoint, lockStatisticsEndpoint } from "./locks";
import { metricsEndpoint, openApiEndpoint } from "./meta";
import { liveEventsEndpoint } from "./live";
import {
  deliveriesEndpoint,
  getNotificationSettingsEndpoint,
  inboxEndpoint,
  markReadEndpoint,
  sendTestNotificationEndpoint,
  updateNotificationRoutingEndpoint,
} from "./notifications";
import { getIncidentEndpoint, listIncidentsEndpoint } from "./incidents";
import { getKpisEndpoint } from "./kpis";
import { getDemoRunEndpoint, listDemoRunsEndpoint, listDemoScenariosEndpoint, startDemoRunEndpoint } from "./demo";
import { getConflictPolicyEndpoint, getGateSettingsEndpoint, updateConflictPolicyEndpoint, updateGateSettingsEndpoint } from "./settings";
import {
  approveOperationEndpoint,
  cancelOperationEndpoint,
  getOperationEndpoint,
  listOperationsEndpoint,
  listPendingReviewsEndpoint,
  rejectOperationEndpoint,
  submitOperationEndpoint,
} from "./operations";

// Every endpoint of /api/v1, in the order the OpenAPI document lists them. A
// route file serves endpoints from here; server/http/api/routes.test.ts proves
// every route file is served through `serve()` and every endpoint here has a
// route file, so nothing is reachable that the document does not describe.

export const openApiDocumentEndpoint = openApiEndpoint(() => API_ENDPOINTS);

export const API_ENDPOINTS: readonly Endpoint<any, any, any, any>[] = [
  submitOperationEndpoint,
  listOperationsEndpoint,
  getOperationEndpoint,
  approveOperationEndpoint,
  rejectOperationEndpoint,
  cancelOperationEndpoint,
  listPendingReviewsEndpoint,
  listLocksEndpoint,
  forceReleaseLockEndpoint,
  lockStatisticsEndpoint,
  getTopologyEndpoint,
  getBlastRadiusEndpoint,
  queryAuditEventsEndpoint,
  auditStatisticsEndpoint,
  verifyAuditEndpoint,
  exportAuditEndpoint,
  listIncidentsEndpoint,
  getIncidentEndpoint,
  inboxEndpoint,
  markReadEndpoint,
  deliveriesEndpoint,
  sendTestNotificationEndpoint,
  getNotificationSettingsEndpoint,
  updateNotificationRoutingEndpoint,
  whoAmIEndpoint,
  listApiTokensEndpoint,
  createApiTokenEndpoint,
  revokeApiTokenEndpoint,
  listUsersEndpoint,
  createUserEndpoint,
  liveEventsEndpoint,
  openApiDocumentEndpoint,
  metricsEndpoint,
  getKpisEndpoint,
  getGateSettingsEndpoint,
  updateGateSettingsEndpoint,
  getConflictPolicyEndpoint,
  updateConflictPolicyEndpoint,
  listDemoScenariosEndpoint,
  startDemoRunEndpoint,
  listDemoRunsEndpoint,
  getDemoRunEndpoint,
];

export {
  liveEventsEndpoint,
  deliveriesEndpoint,
  getNotificationSettingsEndpoint,
  inboxEndpoint,
  markReadEndpoint,
  sendTestNotificationEndpoint,
  updateNotificationRoutingEndpoint,
  metricsEndpoint,
  approveOperationEndpoint,
  cancelOperationEndpoint,
  getIncidentEndpoint,
  getOperationEndpoint,
  listIncidentsEndpoint,
  listOperationsEndpoint,
  listPendingReviewsEndpoint,
  rejectOperationEndpoint,
  submitOperationEndpoint,
  auditStatisticsEndpoint,
  createApiTokenEndpoint,
  createUserEndpoint,
  exportAuditEndpoint,
  forceReleaseLockEndpoint,
  lockStatisticsEndpoint,
  getBlastRadiusEndpoint,
  getTopologyEndpoint,
  listApiTokensEndpoint,
  listLocksEndpoint,
  listUsersEndpoint,
  queryAuditEventsEndpoint,
  revokeApiTokenEndpoint,
  verifyAuditEndpoint,
  whoAmIEndpoint,
  getKpisEndpoint,
  getGateSettingsEndpoint,
  updateGateSettingsEndpoint,
  getConflictPolicyEndpoint,
  updateConflictPolicyEndpoint,
  listDemoScenariosEndpoint,
  startDemoRunEndpoint,
  listDemoRunsEndpoint,
  getDemoRunEndpoint,
};
