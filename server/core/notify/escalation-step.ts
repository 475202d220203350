/**
 * The level a review's escalation has reached at `now` (the highest plan step
 * whose time has come, or one past the plan once the timeout has come when
 * `afterPlan`), and when the next one is due. Pure.
 */
export function escalationStep(plan: readonly { level: number; at: string }[], current: number, timeoutAt: Date | null, now: Date, afterPlan: boolean): { level: number; next: Date | null; finalLevel: number } {
  const steps = [...plan].sort((a, b) => a.level - b.level);
  const finalLevel = steps.at(-1)?.level ?? 0;
  let level = current;
  for (const step of steps) if (Date.parse(step.at) <= now.getTime() && step.level > level) level = step.level;
  if (afterPlan && timeoutAt && timeoutAt.getTime() <= now.getTime() && level >= finalLevel) level = Math.max(level, finalLevel + 1);
  const upcoming = steps.find((s) => s.level > level);
  const next = upcoming ? new Date(upcoming.at) : afterPlan && level <= finalLevel && timeoutAt ? timeoutAt : null;
  return { level, next, finalLevel };
}
