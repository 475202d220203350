import "server-only";
import { ZErrorBody } from "@/lib/api/common";
import type { EndpointResponse } from "../endpoint";

// The error answers every endpoint can give, declared once so the OpenAPI
// document lists them everywhere they apply.
const error = (description: string): EndpointResponse => ({ description, schema: ZErrorBody });

export const PUBLIC_ERRORS: Record<number, EndpointResponse> = {
  400: error("Malformed request (body is not JSON)"),
  413: error("Request body too large"),
  415: error("Body is not application/json"),
  422: error("Input does not match the schema; details.issues says where"),
};

export const AUTH_ERRORS: Record<number, EndpointResponse> = {
  ...PUBLIC_ERRORS,
  401: error("No valid session or API token"),
  403: error("The caller's role does not allow this, or a cross-site browser request"),
};

export const NOT_FOUND = { 404: error("No such resource") };
export const CONFLICT = { 409: error("Conflicts with the current state (already decided, invalid transition, …)") };
