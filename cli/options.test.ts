import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { buildParams, formatDuration, paramFlags, parseDuration, parseId, parseLease, parseParam, parseParamJson, parseParamsJson, parsePriority, parseType, parseUrl } from "./options";

describe("--param and --param-json", () => {
  it("splits at the first = and keeps the value a string", () => {
    expect(parseParam("version=1.4.2")).toEqual({ key: "version", value: "1.4.2" });
    expect(parseParam("query=a=b")).toEqual({ key: "query", value: "a=b" });
    expect(parseParam("empty=")).toEqual({ key: "empty", value: "" });
    expect(parseParam("replicas=3")).toEqual({ key: "replicas", value: "3" });
  });

  it("refuses a value without a key or without =", () => {
    expect(() => parseParam("version")).toThrow(InvalidArgumentError);
    expect(() => parseParam("version")).toThrow("expected key=value");
    expect(() => parseParam("=1.2")).toThrow("non-empty key");
  });

  it("parses --param-json values as JSON and names the key when they are not", () => {
    expect(parseParamJson("replicas=3")).toEqual({ key: "replicas", value: 3 });
    expect(parseParamJson('limits={"cpu":2}')).toEqual({ key: "limits", value: { cpu: 2 } });
    expect(parseParamJson("reviewRequired=true")).toEqual({ key: "reviewRequired", value: true });
    expect(() => parseParamJson("replicas=three")).toThrow("the value of replicas is not JSON");
  });

  it("accumulates both flags in one list, in the order typed, a later key replacing an earlier one", () => {
    const flags = paramFlags();
    flags.param("a=1");
    flags.paramJson("b=2");
    flags.param("b=two");
    flags.paramJson("a=true");
    expect(buildParams(undefined, flags.entries)).toEqual({ a: true, b: "two" });
  });

  it("starts from --params-json, which must be an object", () => {
    expect(buildParams(parseParamsJson('{"version":"1","strategy":"canary"}'), [{ key: "version", value: "2" }])).toEqual({ version: "2", strategy: "canary" });
    expect(buildParams(undefined, [])).toBeUndefined();
    expect(() => parseParamsJson("[1]")).toThrow("expected a JSON object");
    expect(() => parseParamsJson("{")).toThrow("not JSON");
  });
});

describe("other flag values", () => {
  it("reads durations, 0 meaning no limit", () => {
    expect(parseDuration("30m")).toBe(1_800_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("90")).toBe(90_000);
    expect(parseDuration("1.5s")).toBe(1500);
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("0")).toBeNull();
    expect(() => parseDuration("soon")).toThrow("expected a duration");
    expect(() => parseDuration("30x")).toThrow("expected a duration");
    expect(() => parseDuration("m30")).toThrow("expected a duration");
  });

  it("keeps the lease within 10..3600 whole seconds", () => {
    expect(parseLease("60")).toBe(60);
    expect(parseLease("10s")).toBe(10);
    expect(() => parseLease("9")).toThrow("between 10 and 3600");
    expect(() => parseLease("3601")).toThrow("between 10 and 3600");
    expect(() => parseLease("1.5")).toThrow("whole seconds");
  });

  it("accepts types and priorities in any case", () => {
    expect(parseType("deployment")).toBe("DEPLOYMENT");
    expect(parseType("config-change")).toBe("CONFIG_CHANGE");
    expect(() => parseType("deploy")).toThrow("expected one of DEPLOYMENT, ROLLBACK");
    expect(parsePriority("high")).toBe("HIGH");
    expect(() => parsePriority("urgent")).toThrow("expected one of CRITICAL");
  });

  it("checks ids and URLs", () => {
    expect(parseId("0B7C1A52-3F0E-4C55-9A55-2D8E1D3C9F10")).toBe("0b7c1a52-3f0e-4c55-9a55-2d8e1d3c9f10");
    expect(() => parseId("42")).toThrow("expected an id");
    expect(parseUrl("http://localhost:3000/")).toBe("http://localhost:3000");
    expect(() => parseUrl("localhost:3000")).toThrow("http:// or https://");
    expect(() => parseUrl("not a url")).toThrow("expected a URL");
  });

  it("formats durations for people", () => {
    expect(formatDuration(42_000)).toBe("42s");
    expect(formatDuration(185_000)).toBe("3m05s");
    expect(formatDuration(3_720_000)).toBe("1h02m");
  });
});
