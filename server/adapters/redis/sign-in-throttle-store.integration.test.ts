// Sign-in throttle counters on a real Redis (REDIS_URL, default
// redis://127.0.0.1:6379), two clients standing in for two replicas, under a
// random prefix whose keys are deleted afterwards.
import crypto from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import { describeSignInThrottleStore } from "../../testing/sign-in-throttle-contract";
import { openRedisSignInThrottleStore, type RedisSignInThrottleStore } from "./sign-in-throttle-store";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const PREFIX = `interlock:test:${crypto.randomBytes(4).toString("hex")}:`;
let a: RedisSignInThrottleStore;
let b: RedisSignInThrottleStore;

beforeAll(() => {
  a = openRedisSignInThrottleStore({ url: REDIS_URL, prefix: PREFIX });
  b = openRedisSignInThrottleStore({ url: REDIS_URL, prefix: PREFIX });
});
afterAll(async () => {
  const admin = new Redis(REDIS_URL);
  const keys = await admin.keys(`${PREFIX}*`);
  if (keys.length) await admin.del(...keys);
  admin.disconnect();
  await a?.close();
  await b?.close();
});

describeSignInThrottleStore("Redis", () => ({ a, b }));
