-- Approve in Slack (docs/slack.md). A person links their Slack member id
-- (U…/W…) to their Interlock user; a click on a review's button in Slack acts
-- as that user. One Slack member is at most one Interlock user.
ALTER TABLE "users" ADD COLUMN "slack_user_id" TEXT;

CREATE UNIQUE INDEX "users_slack_user_id_key" ON "users"("slack_user_id");

-- Replay protection for Slack's signed requests: the SHA-256 of each accepted
-- request's signature, kept while its timestamp could still pass the
-- five-minute window. A second request with the same signature fails the
-- primary key, in whichever process or replica it arrives.
CREATE TABLE "slack_request_nonces" (
    "signature_hash" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "slack_request_nonces_pkey" PRIMARY KEY ("signature_hash")
);

CREATE INDEX "slack_request_nonces_received_at_idx" ON "slack_request_nonces"("received_at");
