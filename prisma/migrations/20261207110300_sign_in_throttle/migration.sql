-- Sign-in throttling counters (docs/security.md#sign-in-abuse), used when
-- REDIS_URL is not set. One row per account or client address, keyed by the
-- SHA-256 of "account:<email>" / "address:<address>"; rows past expires_at
-- start over on the next attempt and are removed by housekeeping.
CREATE TABLE "sign_in_throttle" (
    "key" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL,
    "strikes" INTEGER NOT NULL DEFAULT 0,
    "blocked_until" TIMESTAMPTZ(6),
    "expires_at" TIMESTAMPTZ(6) NOT NULL,

    CONSTRAINT "sign_in_throttle_pkey" PRIMARY KEY ("key")
);

CREATE INDEX "sign_in_throttle_expires_at_idx" ON "sign_in_throttle"("expires_at");
