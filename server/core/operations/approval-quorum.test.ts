import { describe, expect, it } from "vitest";
import type { ApprovalPolicy } from "../approvals/types";
import { approvalRefusal, countQuorum, DEFAULT_RULE, rulesFor, type CountableApproval, type QuorumRule } from "./approval-quorum";

const at = new Date("2026-12-07T15:00:00Z");
const requester = { actor: "operator@x.test", people: ["u-op"] };
const approval = (actor: string, person: string, role: CountableApproval["role"] = "APPROVER", teams: string[] = []): CountableApproval => ({ actor, person, role, teams, at });
const rule = (over: Partial<QuorumRule>): QuorumRule => ({ id: "p1", name: "two", requiredApprovals: 2, fromRoles: ["APPROVER", "ADMIN"], fromTeams: [], ...over });
const policy = (over: Partial<ApprovalPolicy>): ApprovalPolicy => ({
  id: "p",
  name: "p",
  scope: { services: [], teams: [], tiers: [], types: [] },
  requiredApprovals: 2,
  fromRoles: ["APPROVER", "ADMIN"],
  fromTeams: [],
  enabled: true,
  createdBy: "admin",
  createdAt: at,
  updatedAt: at,
  ...over,
});

describe("which rules apply", () => {
  const target = { service: "payment-service", team: "payments", tier: 1, type: "DEPLOYMENT" as const };
  it("no matching policy: the default rule, one APPROVER or ADMIN", () => {
    expect(rulesFor([policy({ scope: { services: ["other"], teams: [], tiers: [], types: [] } })], target)).toEqual([DEFAULT_RULE]);
  });
  it("every enabled policy whose scope matches applies; disabled ones do not", () => {
    const rules = rulesFor(
      [
        policy({ id: "a", name: "a", scope: { services: [], teams: ["payments"], tiers: [], types: [] } }),
        policy({ id: "b", name: "b", scope: { services: [], teams: [], tiers: [1], types: ["DEPLOYMENT"] } }),
        policy({ id: "c", name: "c", scope: { services: [], teams: [], tiers: [2], types: [] } }),
        policy({ id: "d", name: "d", enabled: false }),
      ],
      target,
    );
    expect(rules.map((r) => r.id)).toEqual(["a", "b"]);
  });
});

describe("counting approvals", () => {
  it("counts distinct people: a person's token and their own approval are one", () => {
    const q = countQuorum({ rules: [rule({})], approvals: [approval("alice@x.test", "u-a"), approval("token:alice-bot", "u-a")], requester, owningTeam: null });
    expect(q.met).toBe(false);
    expect(q.summary).toBe("1 of 2 approvals");
    expect(q.approvals.map((a) => a.by)).toEqual(["alice@x.test"]);
  });
  it("the requester never counts, by name or through a token they created", () => {
    const q = countQuorum({ rules: [rule({})], approvals: [approval("Operator@x.test", "u-other"), approval("token:op-bot", "u-op"), approval("bob@x.test", "u-b")], requester, owningTeam: null });
    expect(q.approvals.map((a) => a.by)).toEqual(["bob@x.test"]);
    expect(q.met).toBe(false);
  });
  it("a token counts as its creator's team, with its own role", () => {
    const r = rule({ requiredApprovals: 1, fromTeams: ["payments"] });
    expect(countQuorum({ rules: [r], approvals: [approval("token:pay-bot", "u-a", "APPROVER", ["payments"])], requester, owningTeam: null }).met).toBe(true);
    expect(countQuorum({ rules: [r], approvals: [approval("token:pay-bot", "u-a", "OPERATOR", ["payments"])], requester, owningTeam: null }).met).toBe(false);
  });
  it("role and team eligibility, with 'owning' read as the service's team", () => {
    const r = rule({ requiredApprovals: 1, fromRoles: ["ADMIN"], fromTeams: ["owning"] });
    const admin = (teams: string[]) => approval("a@x.test", "u-a", "ADMIN", teams);
    expect(countQuorum({ rules: [r], approvals: [admin(["payments"])], requester, owningTeam: "payments" }).met).toBe(true);
    expect(countQuorum({ rules: [r], approvals: [admin(["identity"])], requester, owningTeam: "payments" }).met).toBe(false);
    expect(countQuorum({ rules: [r], approvals: [approval("b@x.test", "u-b", "APPROVER", ["payments"])], requester, owningTeam: "payments" }).met).toBe(false);
    expect(countQuorum({ rules: [r], approvals: [admin(["payments"])], requester, owningTeam: null }).met).toBe(false);
  });
  it("several policies must all be met; one approval counts toward each it is eligible for", () => {
    const rules = [rule({ id: "sre", name: "sre", requiredApprovals: 1, fromTeams: ["sre"] }), rule({ id: "any", name: "any", requiredApprovals: 2 })];
    const one = countQuorum({ rules, approvals: [approval("s@x.test", "u-s", "APPROVER", ["sre"])], requester, owningTeam: null });
    expect(one.policies.map((p) => [p.name, p.have, p.met])).toEqual([["sre", 1, true], ["any", 1, false]]);
    expect(one.summary).toBe("1 of 2 approvals");
    expect(one.needed).toEqual(["policy any needs 1 more approval (role APPROVER or ADMIN)"]);
    const two = countQuorum({ rules, approvals: [approval("s@x.test", "u-s", "APPROVER", ["sre"]), approval("p@x.test", "u-p", "ADMIN", ["payments"])], requester, owningTeam: null });
    expect(two.met).toBe(true);
    expect(two.summary).toBe("2 of 2 approvals");
  });
});

describe("refusing one more approval", () => {
  const owning = rule({ name: "payments-two", fromTeams: ["owning"] });
  it("403: eligible for no unmet policy, naming the policy and what it needs", () => {
    const q = countQuorum({ rules: [owning], approvals: [approval("a@x.test", "u-a", "APPROVER", ["payments"])], requester, owningTeam: "payments" });
    const refusal = approvalRefusal(q, [owning], { actor: "i@x.test", person: "u-i", role: "APPROVER", teams: ["identity"] }, false, "payments");
    expect(refusal?.kind).toBe("not-eligible");
    expect(refusal?.message).toContain("policy payments-two needs 1 more approval from team payments (role APPROVER or ADMIN)");
  });
  it("409: already approved, with the count", () => {
    const q = countQuorum({ rules: [owning], approvals: [approval("a@x.test", "u-a", "APPROVER", ["payments"])], requester, owningTeam: "payments" });
    expect(approvalRefusal(q, [owning], { actor: "a@x.test", person: "u-a", role: "APPROVER", teams: ["payments"] }, true, "payments")).toEqual({ kind: "already-approved", message: "a@x.test already approved; 1 of 2 approvals" });
  });
  it("an eligible approver is let through", () => {
    const q = countQuorum({ rules: [owning], approvals: [], requester, owningTeam: "payments" });
    expect(approvalRefusal(q, [owning], { actor: "b@x.test", person: "u-b", role: "ADMIN", teams: ["payments"] }, false, "payments")).toBeNull();
  });
});
