// Four-eyes as a pure rule: the requester does not decide, under the same actor
// name or as the same person behind a token (docs/security.md#offboarding-users-sessions-and-tokens).
import { describe, expect, it } from "vitest";
import { fourEyesRefusal } from "./four-eyes";

const ALICE = "0190a000-0000-7000-8000-00000000a11c";
const BOB = "0190a000-0000-7000-8000-0000000000b0";

describe("fourEyesRefusal", () => {
  it("refuses the requester's own actor name, whatever the case and surrounding space", () => {
    expect(fourEyesRefusal({ actor: "alice@example.com", people: [ALICE] }, { actor: " Alice@Example.com ", people: [ALICE] })).toBe("same-actor");
    expect(fourEyesRefusal({ actor: "token:deploy-bot", people: [] }, { actor: "token:deploy-bot", people: [] })).toBe("same-actor");
  });

  it("refuses a token's creator deciding what the token requested", () => {
    expect(fourEyesRefusal({ actor: "token:deploy-bot", people: [ALICE] }, { actor: "alice@example.com", people: [ALICE] })).toBe("same-person");
  });

  it("refuses a token deciding what its creator requested", () => {
    expect(fourEyesRefusal({ actor: "alice@example.com", people: [ALICE] }, { actor: "token:alice-approver", people: [ALICE] })).toBe("same-person");
  });

  it("refuses two tokens of the same creator, and a name that several people's tokens have carried when one of them decides", () => {
    expect(fourEyesRefusal({ actor: "token:deploy-bot", people: [ALICE] }, { actor: "token:release-bot", people: [ALICE] })).toBe("same-person");
    expect(fourEyesRefusal({ actor: "token:deploy-bot", people: [BOB, ALICE] }, { actor: "alice@example.com", people: [ALICE] })).toBe("same-person");
  });

  it("lets another person decide, and actors that stand for nobody never match each other by person", () => {
    expect(fourEyesRefusal({ actor: "token:deploy-bot", people: [ALICE] }, { actor: "bob@example.com", people: [BOB] })).toBeNull();
    expect(fourEyesRefusal({ actor: "alice@example.com", people: [ALICE] }, { actor: "token:bob-approver", people: [BOB] })).toBeNull();
    expect(fourEyesRefusal({ actor: "rule:restart-on-oom", people: [] }, { actor: "token:cli-approver", people: [] })).toBeNull();
  });
});
