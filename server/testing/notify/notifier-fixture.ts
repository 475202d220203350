// A notifier over real parts for tests: the notification store on the given
// database, the real Slack, Teams, email and PagerDuty adapters pointed at the
// local receivers (server/testing/notify-receivers.ts), the operations read
// from the store. Nothing is started: tests call dispatch / deliverDue.
import { notifyChannelsFromEnv } from "../../adapters/notify/notify-config";
import type { Database } from "../../adapters/postgres/database";
import { PostgresNotificationStore } from "../../adapters/postgres/notification-store";
import { PostgresOperationQueries } from "../../adapters/postgres/operation-queries";
import type { AuditLog } from "../../core/audit/audit-log";
import type { Clock } from "../../core/clock";
import { DEFAULT_NOTIFIER_CONFIG, Notifier, type NotifierConfig } from "../../core/notify/notifier";
import type { NotificationStore } from "../../core/notify/ports";
import { DEFAULT_NOTIFY_ROUTING } from "../../core/notify/routing";

/** The channel variables a test's notifier is configured with (every channel, at the receivers). */
export function receiverChannelEnv(receivers: { httpUrl: string; smtpPort: number }): Record<string, string> {
  return {
    SLACK_WEBHOOK_URL: `${receivers.httpUrl}/slack/T000/B000/secret`,
    TEAMS_WEBHOOK_URL: `${receivers.httpUrl}/teams/webhook`,
    SMTP_URL: `smtp://127.0.0.1:${receivers.smtpPort}`,
    SMTP_FROM: "interlock@example.com",
    SMTP_TO: "oncall@example.com,sre-lead@example.com",
    PAGERDUTY_ROUTING_KEY: "R0123456789abcdef0123456789ABCDE",
    PAGERDUTY_EVENTS_URL: `${receivers.httpUrl}/pagerduty/v2/enqueue`,
  };
}

export interface TestNotifierOptions {
  db: Database;
  channelEnv: Record<string, string>;
  audit: AuditLog;
  clock: Clock;
  config?: Partial<NotifierConfig>;
  errors?: unknown[];
  /** Stands in for the store (fault injection around the real one). */
  store?: (real: PostgresNotificationStore) => NotificationStore;
}

export function testNotifier(options: TestNotifierOptions): Notifier {
  const channels = notifyChannelsFromEnv(options.channelEnv);
  const real = new PostgresNotificationStore(options.db);
  return new Notifier({
    store: options.store ? options.store(real) : real,
    senders: channels.senders,
    routing: async () => DEFAULT_NOTIFY_ROUTING,
    operations: new PostgresOperationQueries(options.db),
    audit: options.audit,
    clock: options.clock,
    links: { baseUrl: "https://interlock.example.com" },
    config: { ...DEFAULT_NOTIFIER_CONFIG, sendTimeoutMs: 5_000, ...options.config },
    random: () => 0.5,
    onBackgroundError: (error) => options.errors?.push(error),
  });
}
