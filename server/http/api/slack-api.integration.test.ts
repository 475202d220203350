// Approve in Slack through the API on the real container (docs/slack.md):
// requests signed the way Slack signs them reach the interactivity endpoint;
// a local HTTP server stands for Slack (the incoming webhook the review
// message goes to, and the response_url the outcome goes back to). A bad
// signature, a stale timestamp, a replay, an unlinked member, a requester
// deciding their own operation and a response_url on an unlisted origin
// change nothing; a linked approver's click decides under the console's rules.
// Also: linking a Slack id in the profile (PATCH /api/v1/me) and by an admin.
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZErrorBody } from "@/lib/api/common";
import { ZOperationDetail } from "@/lib/api/operations";
import type { SimulatedSignalSource } from "../../adapters/signals/simulated-signal-source";
import { SLACK_REVIEW_ACTIONS } from "../../core/slack/slack-interaction";
import { ORIGIN, startApiHarness, type ApiHarness } from "../../testing/api";
import { startReceivers, type Receivers } from "../../testing/notify-receivers";

const SECRET = "slack-signing-secret-for-tests-0123456789";
const INTERACTIONS = "/api/v1/integrations/slack/interactions";

let api: ApiHarness;
let slack: Receivers; // Slack: the incoming webhook and the listed response_url origin
let elsewhere: Receivers; // a response_url origin that is not listed

beforeAll(async () => {
  slack = await startReceivers();
  elsewhere = await startReceivers();
  api = await startApiHarness("slack_api", {
    SLACK_WEBHOOK_URL: `${slack.http.url}/slack/webhook`,
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_RESPONSE_URL_ORIGINS: slack.http.url,
  });
});
afterAll(async () => {
  await api?.close();
  await slack?.close();
  await elsewhere?.close();
});

type Headers = Record<string, string>;

async function signIn(email: string): Promise<Headers> {
  const user = await api.container.identity.store.findUserByEmail(email);
  if (!user) throw new Error(`no user ${email}`);
  return { cookie: await api.sessionCookie(user.id), origin: ORIGIN, host: new URL(ORIGIN).host };
}

async function send(headers: Headers, path: string, init: { method?: string; body?: unknown } = {}) {
  const h: Headers = { ...headers };
  if (init.body !== undefined) h["content-type"] = "application/json";
  const response = await api.fetch(path, { method: init.method ?? (init.body === undefined ? "GET" : "POST"), headers: h, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  return { status: response.status, json: (await response.json()) as any };
}

async function events(action: string) {
  await api.container.audit.log.settle();
  return (await api.container.audit.store.query({ action, limit: 100 })).events;
}

async function detailOf(id: string) {
  return ZOperationDetail.parse((await send(await signIn("viewer@interlock.local"), `/api/v1/operations/${id}`)).json);
}

/** An operation paused for review (the error budget gate), with the evidence then no worse at approval. */
async function pausedOperation(requester: string, service: string): Promise<string> {
  const signals = api.container.signals as SimulatedSignalSource;
  signals.set(service, { errorBudgetPct: 8 });
  const submitted = await send(await signIn(requester), "/api/v1/operations", { body: { type: "DEPLOYMENT", service, params: { version: `v-${Date.now()}` } } });
  expect(submitted.status, JSON.stringify(submitted.json)).toBe(202);
  const id = submitted.json.operation.id as string;
  const deadline = Date.now() + 60_000;
  while ((await detailOf(id)).operation.state !== "PAUSED_FOR_HUMAN_REVIEW") {
    if (Date.now() > deadline) throw new Error(`operation ${id} did not pause`);
    await new Promise((r) => setTimeout(r, 50));
  }
  signals.set(service, { errorBudgetPct: 0.5 });
  return id;
}

type Block = { type: string; elements?: { action_id?: string; value?: string; confirm?: unknown }[] };

/** The review request as Interlock posted it to Slack's incoming webhook: its blocks and the button of `action`. */
async function reviewMessage(operationId: string): Promise<{ blocks: Block[]; button(action: string): { action_id: string; value: string } }> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const found = slack.http.of("/slack/webhook").find((r) => JSON.stringify(r.body).includes(operationId) && String(r.body.text).startsWith("Human review required"));
    if (found) {
      const blocks = found.body.blocks as Block[];
      return {
        blocks,
        button(action) {
          const element = blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === action);
          if (!element) throw new Error(`no ${action} button in the Slack message`);
          return { action_id: element.action_id!, value: element.value! };
        },
      };
    }
    if (Date.now() > deadline) throw new Error(`no review message for ${operationId} reached Slack`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let responseCounter = 0;
/** A block_actions payload as Slack sends it when `slackUserId` clicks `button` in `blocks`. */
function clickPayload(slackUserId: string, button: { action_id: string; value: string }, blocks: Block[], responseOrigin = slack.http.url) {
  const responsePath = `/response/${++responseCounter}`;
  const payload = {
    type: "block_actions",
    user: { id: slackUserId, username: "someone", name: "someone", team_id: "T0TESTTEAM" },
    api_app_id: "A0TESTAPP",
    token: "deprecated-verification-token",
    container: { type: "message", message_ts: "1765119600.000100", channel_id: "C0TESTCHAN", is_ephemeral: false },
    trigger_id: "1234567890.123456789.abcdef",
    team: { id: "T0TESTTEAM", domain: "example" },
    channel: { id: "C0TESTCHAN", name: "deploys" },
    message: { type: "message", ts: "1765119600.000100", text: "Human review required", blocks },
    response_url: `${responseOrigin}${responsePath}`,
    actions: [{ type: "button", action_id: button.action_id, block_id: "b1", value: button.value, text: { type: "plain_text", text: "Approve" }, action_ts: "1765119601.000200" }],
  };
  return { body: `payload=${encodeURIComponent(JSON.stringify(payload))}`, responsePath };
}

/** Signs as Slack does: v0= hex HMAC-SHA256 of "v0:<timestamp>:<body>" with the signing secret. */
function signed(body: string, options: { secret?: string; ageSeconds?: number } = {}): Headers {
  const timestamp = String(Math.floor(Date.now() / 1000) - (options.ageSeconds ?? 0));
  const signature = `v0=${createHmac("sha256", options.secret ?? SECRET).update(`v0:${timestamp}:${body}`).digest("hex")}`;
  return { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": timestamp, "x-slack-signature": signature };
}

async function post(body: string, headers: Headers) {
  const response = await api.fetch(INTERACTIONS, { method: "POST", headers, body });
  return { status: response.status, json: (await response.json()) as any };
}

async function linkSlack(email: string, slackUserId: string | null) {
  const linked = await send(await signIn(email), "/api/v1/me", { method: "PATCH", body: { slackUserId } });
  expect(linked.status, JSON.stringify(linked.json)).toBe(200);
}

describe("Approve in Slack", () => {
  beforeAll(async () => {
    await linkSlack("approver@interlock.local", "U0APPROVER");
    await linkSlack("operator@interlock.local", "U0OPERATOR");
    await linkSlack("admin@interlock.local", "U0ADMIN");
  });

  it("a linked approver's signed Approve approves the operation and replaces the message with who approved and when", async () => {
    const id = await pausedOperation("operator@interlock.local", "loyalty-service");
    const message = await reviewMessage(id);
    const click = clickPayload("U0APPROVER", message.button(SLACK_REVIEW_ACTIONS.APPROVE), message.blocks);
    const answer = await post(click.body, signed(click.body));
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);

    const detail = await detailOf(id);
    expect(detail.review).toMatchObject({ status: "APPROVED", decidedBy: "approver@interlock.local" });
    const [update] = slack.http.of(click.responsePath);
    expect(update?.body).toMatchObject({ replace_original: true });
    expect(update!.body.text).toMatch(/^✅ Approved by approver@interlock\.local in Slack at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
    // The buttons are gone from the replaced message; the rest of it stays.
    expect((update!.body.blocks as Block[]).some((b) => b.elements?.some((e) => e.action_id === SLACK_REVIEW_ACTIONS.APPROVE))).toBe(false);
    expect(JSON.stringify(update!.body.blocks)).toContain("Human review required");
    expect((await events("review.approved")).filter((e) => e.operationId === id).map((e) => e.actor)).toEqual(["approver@interlock.local"]);
  });

  it("a linked approver's signed Reject rejects it", async () => {
    const id = await pausedOperation("operator@interlock.local", "recommendation-service");
    const message = await reviewMessage(id);
    const click = clickPayload("U0APPROVER", message.button(SLACK_REVIEW_ACTIONS.REJECT), message.blocks);
    expect((await post(click.body, signed(click.body))).status).toBe(200);
    const detail = await detailOf(id);
    expect(detail.operation.state).toBe("FAILED");
    expect(detail.review).toMatchObject({ status: "REJECTED", decidedBy: "approver@interlock.local" });
    expect(slack.http.of(click.responsePath)[0]!.body).toMatchObject({ replace_original: true, text: expect.stringMatching(/^⛔ Rejected by approver@interlock\.local/) });
  });

  describe("refusals change nothing", () => {
    let id: string;
    let message: Awaited<ReturnType<typeof reviewMessage>>;
    beforeAll(async () => {
      id = await pausedOperation("approver@interlock.local", "search-service");
      message = await reviewMessage(id);
    });
    const stillPaused = async () => {
      const detail = await detailOf(id);
      expect(detail.operation.state).toBe("PAUSED_FOR_HUMAN_REVIEW");
      expect(detail.review?.status).toBe("PENDING");
    };

    it("a bad signature: 401 naming the problem, nothing sent to the response_url", async () => {
      const click = clickPayload("U0ADMIN", message.button(SLACK_REVIEW_ACTIONS.APPROVE), message.blocks);
      const answer = await post(click.body, signed(click.body, { secret: "not-the-signing-secret-000000" }));
      expect(answer.status).toBe(401);
      expect(ZErrorBody.parse(answer.json).error).toMatchObject({ code: "UNAUTHENTICATED", details: { problem: "bad_signature" } });
      // The same body with its signature's last digit changed.
      const headers = signed(click.body);
      headers["x-slack-signature"] = headers["x-slack-signature"]!.replace(/.$/, (c) => (c === "0" ? "1" : "0"));
      expect((await post(click.body, headers)).status).toBe(401);
      await stillPaused();
      expect(slack.http.of(click.responsePath)).toEqual([]);
    });

    it("a timestamp six minutes old, correctly signed: 401 stale_timestamp", async () => {
      const click = clickPayload("U0ADMIN", message.button(SLACK_REVIEW_ACTIONS.APPROVE), message.blocks);
      const answer = await post(click.body, signed(click.body, { ageSeconds: 6 * 60 }));
      expect(answer.status).toBe(401);
      expect(answer.json.error.details.problem).toBe("stale_timestamp");
      await stillPaused();
      expect(slack.http.of(click.responsePath)).toEqual([]);
    });

    it("an unlinked Slack member: told to link their account, audited, nothing changed", async () => {
      const click = clickPayload("U0STRANGER", message.button(SLACK_REVIEW_ACTIONS.APPROVE), message.blocks);
      const answer = await post(click.body, signed(click.body));
      expect(answer.status).toBe(200);
      const [reply] = slack.http.of(click.responsePath);
      expect(reply?.body).toMatchObject({ response_type: "ephemeral", replace_original: false });
      expect(reply!.body.text).toMatch(/Your Slack account is not linked to an Interlock user; link it in Interlock under Profile/);
      expect(answer.json.text).toBe(reply!.body.text);
      await stillPaused();
      const refused = (await events("slack.interaction_refused")).find((e) => (e.payload as { slackUserId?: string }).slackUserId === "U0STRANGER");
      expect(refused).toMatchObject({ category: "ACCESS", actor: "slack:U0STRANGER", payload: { reason: "not_linked", operationId: id } });
    });

    it("the requester, linked in Slack, is refused by four-eyes with the reason", async () => {
      const click = clickPayload("U0APPROVER", message.button(SLACK_REVIEW_ACTIONS.APPROVE), message.blocks);
      expect((await post(click.body, signed(click.body))).status).toBe(200);
      const [reply] = slack.http.of(click.responsePath);
      expect(reply?.body).toMatchObject({ response_type: "ephemeral" });
      expect(reply!.body.text).toMatch(/Not approved: approver@interlock\.local requested operation .* and cannot approve it/);
      await stillPaused();
      expect((await events("slack.interaction_refused")).some((e) => e.actor === "approver@interlock.local" && (e.payload as { reason?: string }).reason === "forbidden")).toBe(true);
    });

    it("an operator, linked in Slack, is refused for their role, as in the console", async () => {
      const click = clickPayload("U0OPERATOR", message.button(SLACK_REVIEW_ACTIONS.REJECT), message.blocks);
      expect((await post(click.body, signed(click.body))).status).toBe(200);
      expect(slack.http.of(click.responsePath)[0]!.body.text).toMatch(/needs the approver role; operator@interlock\.local has operator/);
      await stillPaused();
    });

    it("a button showing evidence that has changed since is refused (fresh evidence)", async () => {
      const stale = { action_id: SLACK_REVIEW_ACTIONS.APPROVE, value: JSON.stringify({ operationId: id, evidenceHash: "0".repeat(64) }) };
      const click = clickPayload("U0ADMIN", stale, message.blocks);
      expect((await post(click.body, signed(click.body))).status).toBe(200);
      expect(slack.http.of(click.responsePath)[0]!.body.text).toMatch(/re-evaluated since you were shown it/);
      await stillPaused();
    });

    it("a response_url on an unlisted origin is never called, and nothing changes", async () => {
      const click = clickPayload("U0ADMIN", message.button(SLACK_REVIEW_ACTIONS.APPROVE), message.blocks, elsewhere.http.url);
      const answer = await post(click.body, signed(click.body));
      expect(answer.status).toBe(400);
      expect(answer.json.error.details.problem).toBe("response_url_not_allowed");
      await stillPaused();
      expect(elsewhere.http.received).toEqual([]);
    });

    it("a replay of the exact same request is refused (409) and changes nothing; the first delivery decided", async () => {
      const click = clickPayload("U0ADMIN", message.button(SLACK_REVIEW_ACTIONS.APPROVE), message.blocks);
      const headers = signed(click.body);
      const first = await post(click.body, headers);
      expect(first.status, JSON.stringify(first.json)).toBe(200);
      expect((await detailOf(id)).review).toMatchObject({ status: "APPROVED", decidedBy: "admin@interlock.local" });
      const replay = await post(click.body, headers);
      expect(replay.status).toBe(409);
      expect(replay.json.error.details.problem).toBe("replay");
      expect(slack.http.of(click.responsePath)).toHaveLength(1);
      expect((await events("review.approved")).filter((e) => e.operationId === id)).toHaveLength(1);
    });
  });

  it("answers 404 saying so when Slack interactivity is not configured", async () => {
    const slackConfig = api.container.notifications.slack;
    const saved = slackConfig.interactivity;
    slackConfig.interactivity = null;
    try {
      const body = "payload=%7B%7D";
      const answer = await post(body, signed(body));
      expect(answer.status).toBe(404);
      expect(answer.json.error.message).toMatch(/Slack interactivity is not configured.*SLACK_SIGNING_SECRET/);
    } finally {
      slackConfig.interactivity = saved;
    }
  });
});

describe("linking a Slack account", () => {
  it("validates the member id, links and unlinks it, audited, and shows it in GET /api/v1/me", async () => {
    const viewer = await signIn("viewer@interlock.local");
    for (const bad of ["bob", "u0lower", "C0CHANNEL", "U0" + "X".repeat(30)]) {
      const refused = await send(viewer, "/api/v1/me", { method: "PATCH", body: { slackUserId: bad } });
      expect(refused.status, bad).toBe(422);
    }
    const linked = await send(viewer, "/api/v1/me", { method: "PATCH", body: { slackUserId: "W0VIEWER1" } });
    expect(linked.status).toBe(200);
    expect(linked.json).toMatchObject({ email: "viewer@interlock.local", slackUserId: "W0VIEWER1" });
    expect((await send(viewer, "/api/v1/me")).json.slackUserId).toBe("W0VIEWER1");
    const unlinked = await send(viewer, "/api/v1/me", { method: "PATCH", body: { slackUserId: null } });
    expect(unlinked.json.slackUserId).toBeNull();
    const audit = [...(await events("user.slack_linked")), ...(await events("user.slack_unlinked"))].filter((e) => e.actor === "viewer@interlock.local");
    expect(audit.map((e) => [e.action, (e.payload as { after: string | null }).after]).sort()).toEqual([["user.slack_linked", "W0VIEWER1"], ["user.slack_unlinked", null]]);
  });

  it("refuses an id linked to someone else (409), naming them only to admins; an admin links anyone's through PATCH /api/v1/users/{id}", async () => {
    const admin = await signIn("admin@interlock.local");
    const created = await send(admin, "/api/v1/users", { body: { email: "carol@example.com", name: "Carol", role: "APPROVER", password: "correct horse battery staple" } });
    expect(created.status).toBe(201);
    const carolId = created.json.id as string;
    const byAdmin = await send(admin, `/api/v1/users/${carolId}`, { method: "PATCH", body: { slackUserId: "U0CAROL", reason: "Carol asked in #sre" } });
    expect(byAdmin.status, JSON.stringify(byAdmin.json)).toBe(200);
    expect(byAdmin.json).toMatchObject({ changes: ["slack"], user: { email: "carol@example.com", slackUserId: "U0CAROL" } });
    expect((await events("user.slack_linked")).find((e) => (e.payload as { userId?: string }).userId === carolId)).toMatchObject({ actor: "admin@interlock.local", payload: { reason: "Carol asked in #sre" } });

    const viewerTakes = await send(await signIn("viewer@interlock.local"), "/api/v1/me", { method: "PATCH", body: { slackUserId: "U0CAROL" } });
    expect(viewerTakes.status).toBe(409);
    expect(JSON.stringify(viewerTakes.json)).not.toContain("carol@example.com");
    const adminTakes = await send(admin, "/api/v1/me", { method: "PATCH", body: { slackUserId: "U0CAROL" } });
    expect(adminTakes.status).toBe(409);
    expect(adminTakes.json.error.message).toContain("carol@example.com");
    const listed = await send(admin, "/api/v1/users");
    expect(listed.json.users.find((u: { id: string }) => u.id === carolId).slackUserId).toBe("U0CAROL");
  });
});
