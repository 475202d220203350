import { describe, expect, it } from "vitest";
import { groupSync, parseGroupMapping, parseGroupRoles, roleFromGroups, teamsFromGroups } from "./oidc-group-mapping";

const roles = parseGroupRoles("sre-admins=ADMIN, sre=approver,viewers=VIEWER").pairs;
const teams = parseGroupMapping("payments-eng=payments,pay-oncall=payments,id-eng=identity").pairs;

describe("OIDC_GROUP_ROLES and OIDC_GROUP_TEAMS", () => {
  it("parse group=value lists, naming each bad entry", () => {
    expect(roles).toEqual([
      { group: "sre-admins", value: "ADMIN" },
      { group: "sre", value: "APPROVER" },
      { group: "viewers", value: "VIEWER" },
    ]);
    expect(parseGroupRoles("sre=BOSS,=ADMIN").problems).toEqual(['"=ADMIN" is not group=value', '"sre=BOSS": BOSS is not one of VIEWER, OPERATOR, APPROVER, ADMIN']);
  });
  it("the role is the highest any group maps to; no mapped group: no role (unchanged)", () => {
    expect(roleFromGroups(["viewers", "sre", "other"], roles)).toBe("APPROVER");
    expect(roleFromGroups(["sre", "sre-admins"], roles)).toBe("ADMIN");
    expect(roleFromGroups(["other"], roles)).toBeNull();
  });
  it("teams are exactly the mapped ones, when a team mapping is configured", () => {
    expect(teamsFromGroups(["pay-oncall", "payments-eng", "id-eng", "x"], teams)).toEqual(["identity", "payments"]);
    expect(teamsFromGroups(["x"], teams)).toEqual([]);
    expect(teamsFromGroups(["payments-eng"], null)).toBeNull();
  });
  it("a sign-in changes only what differs", () => {
    const mapping = { roles, teams };
    expect(groupSync(["sre", "payments-eng"], { role: "APPROVER", teams: ["payments"] }, mapping)).toBeNull();
    expect(groupSync(["sre-admins", "payments-eng"], { role: "APPROVER", teams: ["payments"] }, mapping)).toEqual({ role: "ADMIN" });
    expect(groupSync(["other"], { role: "OPERATOR", teams: ["payments"] }, mapping)).toEqual({ teams: [] });
    expect(groupSync(["other"], { role: "OPERATOR", teams: ["payments"] }, { roles, teams: null })).toBeNull();
  });
});
