import { copyFileSync, mkdirSync } from "node:fs";
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { signIn } from "./helpers";

const SHOTS = "/tmp/shots-c";

async function screenshot(page: Page, testInfo: TestInfo, name: string) {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  if (testInfo.project.name === "embedded") {
    mkdirSync(SHOTS, { recursive: true });
    copyFileSync(path, `${SHOTS}/${name}.png`);
  }
}

interface BlastRadius {
  subject: { service: string };
  score: number;
  percentage: number;
  affectedCount: number;
  totalServices: number;
  direct: string[];
  sharedResource: string[];
  downstream: string[];
  upstream: string[];
}

const servicesIn = (page: Page, blast: string) =>
  page.locator(`[data-testid="graph-node"][data-blast="${blast}"]`).evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-service")!).sort());

test.describe("the dependency graph", () => {
  test.use({ viewport: { width: 1920, height: 1200 } });

  test("highlights the blast radius of a selected service", async ({ page }, testInfo) => {
    await signIn(page, "viewer", "/graph");
    await expect(page.getByRole("heading", { name: "Dependency graph", level: 1 })).toBeVisible();
    const nodes = page.getByTestId("graph-node");
    await expect(nodes).toHaveCount(42);
    await expect(page.getByTestId("graph-group")).toHaveCount(3);
    await expect(page.locator('[data-testid="graph-node"][data-blast="none"]')).toHaveCount(42);
    await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Dependency graph" })).toHaveAttribute("aria-current", "page");
    await screenshot(page, testInfo, "graph");

    // The API's answer, fetched with the same signed-in session.
    const response = await page.request.get("/api/v1/graph/blast-radius?service=payment-service");
    expect(response.status()).toBe(200);
    const radius = (await response.json()) as BlastRadius;

    // Through the accessible select: filter, then choose.
    await page.getByLabel("Filter services").fill("pay");
    await page.getByLabel("Service", { exact: true }).selectOption("payment-service");

    const panel = page.getByRole("complementary", { name: "Blast radius and in-flight operations" });
    await expect(panel.getByTestId("blast-score")).toHaveText(String(radius.score));
    await expect(panel.getByTestId("blast-percentage")).toHaveText(`${radius.percentage} %`);
    await expect(panel.getByTestId("blast-summary")).toContainText(`reaches ${radius.affectedCount} of ${radius.totalServices} services`);
    await expect(panel.getByTestId("blast-count-direct")).toHaveText(String(radius.direct.length));
    await expect(panel.getByTestId("blast-count-shared")).toHaveText(String(radius.sharedResource.length));
    await expect(panel.getByTestId("blast-count-downstream")).toHaveText(String(radius.downstream.length));
    await expect(panel.getByTestId("blast-count-upstream")).toHaveText(String(radius.upstream.length));

    // Every node carries its set: the same services as the API's sets, the rest "none".
    await expect(page.locator('[data-testid="graph-node"][data-blast="direct"]')).toHaveCount(radius.direct.length);
    expect(await servicesIn(page, "direct")).toEqual([...radius.direct].sort());
    expect(await servicesIn(page, "shared")).toEqual([...radius.sharedResource].sort());
    expect(await servicesIn(page, "downstream")).toEqual([...radius.downstream].sort());
    expect(await servicesIn(page, "upstream")).toEqual([...radius.upstream].sort());
    await expect(page.locator('[data-testid="graph-node"][data-blast="none"]')).toHaveCount(42 - radius.affectedCount);
    expect(radius.direct).toEqual(["payment-service"]);
    await screenshot(page, testInfo, "graph-blast-radius");

    // A click on a node selects that service instead.
    await page.locator('[data-testid="graph-node"][data-service="invoice-service"]').click();
    await expect(panel.getByTestId("blast-summary")).toContainText("invoice-service");
    await expect(page.getByLabel("Service", { exact: true })).toHaveValue("invoice-service");
    await expect(page.locator('[data-testid="graph-node"][data-blast="direct"]')).toHaveCount(1);

    await page.getByRole("button", { name: "Clear selection" }).click();
    await expect(page.locator('[data-testid="graph-node"][data-blast="none"]')).toHaveCount(42);
  });
});

test.describe("the dependency graph at 1,000 services", () => {
  test.use({ viewport: { width: 1920, height: 1200 } });

  test("opens with a service selected from a link (/graph?service=…), as the review page links to it", async ({ page }) => {
    await signIn(page, "viewer", "/graph?service=order-service");
    const radius = (await (await page.request.get("/api/v1/graph/blast-radius?service=order-service")).json()) as BlastRadius;
    await expect(page.locator('[data-testid="graph-node"][data-blast="direct"]')).toHaveCount(1);
    expect(await servicesIn(page, "direct")).toEqual(["order-service"]);
    expect(await servicesIn(page, "upstream")).toEqual([...radius.upstream].sort());
  });

  // The store holds the demo topology; the browser is handed a synthetic 1,000-service graph instead.
  test("draws a 1,000-service graph and lists every service in the select", async ({ page }, testInfo) => {
    const { generateSyntheticTopology } = await import("../server/core/graph/generate-synthetic-topology");
    const topology = generateSyntheticTopology({ services: 1_000, dependencies: 4_000, resourceGroups: 50, seed: 7 });
    await page.route("**/api/v1/graph", (route) => route.fulfill({ json: topology }));
    const svc = topology.services[500]!.name;
    await page.route("**/api/v1/graph/blast-radius?**", (route) =>
      route.fulfill({ json: { subject: { service: svc, operationId: null }, score: 1.5, percentage: 0.2, affectedCount: 2, totalServices: 1000, depth: 3, direct: [svc], sharedResource: [], downstream: [topology.services[999]!.name], upstream: [] } }),
    );
    await signIn(page, "viewer", "/graph");
    const started = Date.now();
    await expect(page.getByTestId("graph-node").first()).toBeVisible();
    console.log(`1,000 services: first node visible ${Date.now() - started} ms after sign-in`);
    await expect(page.getByLabel("Service", { exact: true }).locator("option")).toHaveCount(1_001);
    await expect(page.getByText("Layout: layered (large graph)")).toBeVisible();
    await page.getByLabel("Filter services").fill(svc);
    await expect(page.getByLabel("Service", { exact: true }).locator("option")).toHaveCount(2);
    await page.getByLabel("Service", { exact: true }).selectOption(svc);
    await expect(page.getByTestId("blast-score")).toHaveText("1.5");
    await expect(page.locator(`[data-testid="graph-node"][data-service="${svc}"]`)).toHaveAttribute("data-blast", "direct");
    await screenshot(page, testInfo, "graph-1000");
  });
});
