// Roles, least to most powerful. Each includes the rights of the ones before it:
// an approver may also submit, an admin may also approve. What each adds:
//   VIEWER   read everything (operations, locks, graph, audit, incidents)
//   OPERATOR submit operations, cancel their own
//   APPROVER approve or reject other people's paused operations, cancel anyone's
//   ADMIN    force-release locks, change settings, manage users and API tokens
export const ROLES = ["VIEWER", "OPERATOR", "APPROVER", "ADMIN"] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { VIEWER: 0, OPERATOR: 1, APPROVER: 2, ADMIN: 3 };

/** True when `role` carries at least the rights of `required`. */
export function hasRole(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}
