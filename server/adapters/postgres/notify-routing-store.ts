import "server-only";
import { NOTIFY_ROUTING_SETTING } from "../../core/notify/routing";
import type { NotifyRoutingStore } from "../../core/notify/notify-routing-settings";
import type { Database } from "./database";
import { JsonSettingStore } from "./json-setting-store";

/** The notification routing as one JSON row of the settings table. */
export class PrismaNotifyRoutingStore extends JsonSettingStore implements NotifyRoutingStore {
  constructor(db: Database) {
    super(db, NOTIFY_ROUTING_SETTING);
  }
}
