// Alertmanager's webhook body, version 4 (docs/incidents.md#alertmanager-intake):
// what `webhook_configs` POSTs. Parsed strictly where Interlock depends on a
// field, loosely where Alertmanager may add fields in later versions.
import { z } from "zod";

const LABELS = z.record(z.string().max(256), z.string().max(4096));

export const MAX_ALERTS_PER_NOTIFICATION = 1_000;

export const ZAlertmanagerAlert = z.object({
  status: z.enum(["firing", "resolved"]),
  labels: LABELS.refine((l) => typeof l.alertname === "string" && l.alertname.length > 0, { message: "an alert needs an alertname label" }),
  annotations: LABELS.default({}),
  startsAt: z.iso.datetime({ offset: true }),
  // Alertmanager writes the zero time "0001-01-01T00:00:00Z" while an alert fires without an end.
  endsAt: z.iso.datetime({ offset: true }).optional(),
  generatorURL: z.string().max(4096).optional(),
  fingerprint: z.string().min(1).max(128),
});

export const ZAlertmanagerNotification = z.object({
  version: z.literal("4", { message: 'only version "4" of the webhook payload is understood' }),
  groupKey: z.string().max(4096),
  truncatedAlerts: z.number().int().min(0).optional(),
  status: z.enum(["firing", "resolved"]),
  receiver: z.string().max(1024),
  groupLabels: LABELS.default({}),
  commonLabels: LABELS.default({}),
  commonAnnotations: LABELS.default({}),
  externalURL: z.string().max(4096).optional(),
  alerts: z.array(ZAlertmanagerAlert).min(1, "a notification carries at least one alert").max(MAX_ALERTS_PER_NOTIFICATION),
});

export type AlertmanagerAlert = z.infer<typeof ZAlertmanagerAlert>;
export type AlertmanagerNotification = z.infer<typeof ZAlertmanagerNotification>;

/** An alert's end, or null: Alertmanager's zero time (year 1) means "no end yet". */
export function endOf(alert: AlertmanagerAlert): Date | null {
  if (!alert.endsAt) return null;
  const end = new Date(alert.endsAt);
  return end.getUTCFullYear() <= 1 ? null : end;
}
