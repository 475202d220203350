import type { AuditCategory } from "../audit/types";

// Live updates for the console. Every change Interlock makes is an audit event,
// so the audit chain's head is a cheap, cluster-wide "something changed" signal
// (one primary-key lookup), and the categories of the new events say what
// changed. Inbox rows are not audited; their newest time is watched as well.
// One poller per process serves every open console (fan-out).

export const LIVE_TOPICS = ["operations", "reviews", "locks", "audit", "notifications", "incidents", "graph", "settings"] as const;
export type LiveTopic = (typeof LIVE_TOPICS)[number];

const BY_CATEGORY: Record<AuditCategory, LiveTopic[]> = {
  INCIDENT_DETECTION: ["incidents"],
  ROOT_CAUSE_ANALYSIS: ["incidents"],
  CODE_LOCALIZATION: ["incidents"],
  FIX_PLANNING: ["incidents"],
  PATCH_GENERATION: ["incidents"],
  SAFETY_GATES: ["operations", "reviews"],
  DEPLOYMENT: ["operations"],
  VERIFICATION: ["operations"],
  ROLLBACK: ["operations"],
  LOCK_OPERATION: ["locks", "operations"],
  CONFLICT_DETECTION: ["operations", "reviews"],
  STATE_TRANSITION: ["operations", "reviews", "locks", "incidents"],
  NOTIFICATION: ["notifications", "reviews"],
  MANUAL_INTERVENTION: ["operations", "reviews", "locks", "settings", "incidents"],
  SYSTEM_HEALTH: ["graph", "settings"],
  ACCESS: [],
};

/** The topics to refresh for new audit events of these categories (audit itself always). Pure. */
export function topicsFor(categories: Iterable<AuditCategory>): LiveTopic[] {
  const topics = new Set<LiveTopic>(["audit"]);
  for (const category of categories) for (const topic of BY_CATEGORY[category] ?? []) topics.add(topic);
  return LIVE_TOPICS.filter((t) => topics.has(t));
}

export interface ChangePosition {
  auditSeq: number;
  /** The newest inbox notification's time (ms), 0 when none. */
  inboxAt: number;
}

export interface ChangeSource {
  position(): Promise<ChangePosition>;
  /** Categories of the audit events after `seq` (at most a few thousand: enough to know what changed). */
  categoriesAfter(seq: number): Promise<AuditCategory[]>;
}

export type ChangeListener = (topics: LiveTopic[]) => void;

export class ChangeFeed {
  private listeners = new Set<ChangeListener>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private last: ChangePosition | null = null;
  private polling = false;

  constructor(
    private readonly source: ChangeSource,
    private readonly pollMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Starts polling with the first subscriber and stops with the last. */
  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    if (!this.timer) {
      this.timer = setInterval(() => void this.poll(), this.pollMs);
      this.timer.unref?.();
      void this.poll();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
        this.last = null;
      }
    };
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const now = await this.source.position();
      const before = this.last;
      this.last = now;
      if (!before) return;
      const topics = new Set<LiveTopic>();
      if (now.auditSeq !== before.auditSeq) for (const t of topicsFor(await this.source.categoriesAfter(Math.min(before.auditSeq, now.auditSeq)))) topics.add(t);
      if (now.inboxAt !== before.inboxAt) topics.add("notifications");
      if (topics.size) for (const listener of this.listeners) listener(LIVE_TOPICS.filter((t) => topics.has(t)));
    } catch (error) {
      this.onError(error);
    } finally {
      this.polling = false;
    }
  }
}
