import { describe, expect, it } from "vitest";
import { neo4jConfigFromEnv } from "./neo4j-config";

describe("neo4jConfigFromEnv", () => {
  it("is null without NEO4J_URI: the graph stays in Postgres", () => {
    expect(neo4jConfigFromEnv({})).toBeNull();
    expect(neo4jConfigFromEnv({ NEO4J_URI: "", NEO4J_PASSWORD: "x" })).toBeNull();
  });

  it("reads the connection with the default user", () => {
    expect(neo4jConfigFromEnv({ NEO4J_URI: "bolt://graph:7687", NEO4J_PASSWORD: "secret" })).toEqual({ uri: "bolt://graph:7687", user: "neo4j", password: "secret" });
    expect(neo4jConfigFromEnv({ NEO4J_URI: "neo4j+s://graph.example.com", NEO4J_USER: "interlock", NEO4J_DATABASE: "graph" })).toEqual({
      uri: "neo4j+s://graph.example.com",
      user: "interlock",
      password: "",
      database: "graph",
    });
  });

  it("refuses a URL of another scheme without echoing it", () => {
    expect(() => neo4jConfigFromEnv({ NEO4J_URI: "http://user:hunter2@graph:7474" })).toThrow(/NEO4J_URI: must be a neo4j:\/\/ or bolt:\/\/ URL/);
    try {
      neo4jConfigFromEnv({ NEO4J_URI: "http://user:hunter2@graph:7474" });
    } catch (error) {
      expect(String(error)).not.toContain("hunter2");
    }
  });
});
