// The live graph in the console (docs/graph-changes.md, docs/graph-sources.md):
// an admin previews and applies an edited topology from the Sources page —
// an apply refused because the graph moved shows the new diff — and the graph
// page draws the new edge as declared with its provenance; the catalog source
// refreshes from a file and holds a removal, which a viewer sees but cannot
// approve. The journey puts the graph back as it found it (graph.spec.ts
// counts the demo's 42 services).
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { signIn } from "./helpers";

const SHOTS = "/tmp/shots-c";
// playwright.config.ts points the embedded server's GRAPH_CATALOG_PATHS here (inside its data dir, wiped at start).
const CATALOG_DIR = path.join(".data", "e2e", "catalog");

async function screenshot(page: Page, testInfo: TestInfo, name: string) {
  const file = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  mkdirSync(SHOTS, { recursive: true });
  copyFileSync(file, `${SHOTS}/${name}.png`);
}

const component = (name: string, dependsOn: string[]) => `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${name}
  annotations:
    interlock.dev/tier: "3"
    interlock.dev/criticality: LOW
spec:
  type: service
  lifecycle: production
  owner: payments
  dependsOn: [${dependsOn.map((d) => `component:${d}`).join(", ")}]
`;

const NEW_SERVICE = `  - name: settlement-service
    tier: 3
    criticality: MEDIUM
    team: payments
    description: Merchant settlements
    dependsOn:
      - payment-service
`;

test.use({ viewport: { width: 1920, height: 1200 } });

test("an admin applies an edited topology and sees the edge's provenance; a catalog removal waits for an admin", async ({ page, browser }, testInfo) => {
  await signIn(page, "admin", "/graph/sources");
  const original = await (await page.request.get("/api/v1/graph")).json();
  // A cookie session's writes must say where they come from (the API's CSRF check).
  const writes = { origin: new URL(page.url()).origin };
  try {
    await expect(page.getByRole("heading", { name: "Graph sources", level: 1 })).toBeVisible();
    await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Graph sources" })).toHaveAttribute("aria-current", "page");
    const cards = page.getByTestId("source-card");
    await expect(cards).toHaveCount(4);
    await expect(page.locator('[data-testid="source-card"][data-source="CATALOG"]')).toHaveAttribute("data-configured", "true");
    await expect(page.locator('[data-testid="source-card"][data-source="TRACES"]')).toHaveAttribute("data-configured", "false");
    await expect(page.getByTestId("drift-no-traces")).toBeVisible();

    // Start from the current graph, add one service with one edge, and preview.
    const panel = page.getByRole("region", { name: "Apply a topology" });
    await panel.getByRole("button", { name: "Start from the current graph" }).click();
    const text = panel.getByLabel("Topology document (YAML or JSON)");
    await expect(text).toHaveValue(/payment-service/);
    const yaml = await text.inputValue();
    await text.fill(yaml.replace(/^resourceGroups:/m, `${NEW_SERVICE}resourceGroups:`));
    await panel.getByLabel("Origin").fill("e2e-topology.yaml");
    await panel.getByRole("button", { name: "Show diff" }).click();
    const result = panel.getByTestId("diff-result");
    await expect(result.getByTestId("diff-summary").first()).toHaveAttribute("data-added", "2");
    await expect(result.getByTestId("diff-row")).toContainText(["added: settlement-service (tier 3, MEDIUM, team payments)", "added: settlement-service → payment-service (sync API)"]);
    await expect(result.getByTestId("in-flight-changes")).toBeVisible();
    const base = Number(await result.getAttribute("data-base-revision"));

    // Someone else changes the graph in between: the apply is refused and the diff against the new graph shown.
    const moved = structuredClone(original);
    moved.services.find((s: { name: string }) => s.name === "search-service").description = "Changed while the diff was open";
    expect((await page.request.put("/api/v1/graph?origin=e2e-other", { data: moved, headers: writes })).status()).toBe(200);
    await result.getByRole("button", { name: "Apply" }).click();
    await expect(panel.getByTestId("graph-moved")).toBeVisible();
    await expect(panel.getByTestId("diff-result")).not.toHaveAttribute("data-base-revision", String(base));
    await expect(panel.getByTestId("diff-result").getByTestId("diff-summary").first()).toHaveAttribute("data-changed", "1");
    await screenshot(page, testInfo, "graph-sources-diff");
    await panel.getByTestId("diff-result").getByRole("button", { name: "Apply" }).click();
    await expect(panel.getByTestId("apply-result")).toContainText("Applied");

    // The graph page draws the new edge as declared only, with a single line and a closed arrowhead, and shows where it came from.
    await page.getByRole("link", { name: "← Dependency graph" }).click();
    await expect(page.getByRole("heading", { name: "Dependency graph", level: 1 })).toBeVisible();
    await expect(page.getByTestId("graph-node")).toHaveCount(43);
    await expect(page.getByTestId("legend-provenance")).toHaveCount(3);
    const edge = page.locator('.react-flow__edge[data-id="dep:settlement-service->payment-service"]');
    await expect(edge).toHaveAttribute("aria-label", "settlement-service depends on payment-service (sync API, declared only)");
    await expect(edge.locator("path.react-flow__edge-path")).toHaveAttribute("marker-end", /arrowclosed/);
    await expect(edge.getByTestId("double-edge-core")).toHaveCount(0);
    await edge.locator("path.react-flow__edge-interaction").dispatchEvent("click");
    const provenance = page.getByTestId("edge-provenance");
    await expect(provenance).toHaveAttribute("data-provenance", "declared");
    const source = provenance.getByTestId("provenance-source");
    await expect(source).toHaveCount(1);
    await expect(source).toHaveAttribute("data-source", "CONSOLE");
    await expect(source).toContainText("e2e-topology.yaml");
    await expect(source.locator("time").first()).toHaveText(/just now|s ago|min ago/);
    await expect(source.locator("time").first()).toHaveAttribute("title", /\d{4}-\d{2}-\d{2}T/);
    // A service's provenance, and its edges listed for the keyboard.
    await page.getByLabel("Service", { exact: true }).selectOption("settlement-service");
    await expect(page.getByTestId("service-provenance").getByTestId("provenance-source")).toHaveAttribute("data-source", "CONSOLE");
    await page.getByRole("button", { name: "Provenance of settlement-service depends on payment-service (declared only)" }).click();
    await expect(page.getByTestId("edge-provenance")).toHaveAttribute("data-edge", "settlement-service->payment-service");
    await screenshot(page, testInfo, "graph-provenance");

    // The catalog: a first refresh adds two services, a second without one of them holds its removal for review.
    mkdirSync(CATALOG_DIR, { recursive: true });
    writeFileSync(path.join(CATALOG_DIR, "catalog-info.yaml"), `${component("e2e-catalog-a", [])}---\n${component("e2e-catalog-b", ["e2e-catalog-a"])}`);
    await page.goto("/graph/sources");
    await page.getByRole("button", { name: "Refresh now" }).click();
    await expect(page.getByTestId("refresh-run")).toHaveAttribute("data-outcome", "APPLIED");
    await expect(page.locator('[data-testid="source-card"][data-source="CATALOG"] [data-testid="source-last-run"]')).toHaveAttribute("data-outcome", "APPLIED");
    writeFileSync(path.join(CATALOG_DIR, "catalog-info.yaml"), component("e2e-catalog-a", []));
    await page.getByRole("button", { name: "Refresh now" }).click();
    await expect(page.getByTestId("refresh-run")).toHaveAttribute("data-outcome", "HELD");
    const held = page.getByTestId("held-change");
    await expect(held).toHaveCount(1);
    await expect(held.getByTestId("diff-row")).toContainText(["removed: e2e-catalog-b", "removed: e2e-catalog-b → e2e-catalog-a"]);
    await expect(held.getByRole("button", { name: "Approve" })).toBeEnabled();

    // A viewer sees the held change, but not as theirs to decide.
    const viewer = await (await browser.newContext({ viewport: { width: 1920, height: 1200 } })).newPage();
    await signIn(viewer, "viewer", "/graph/sources");
    const seen = viewer.getByTestId("held-change");
    await expect(seen).toHaveCount(1);
    await expect(seen.getByRole("button", { name: "Approve" })).toBeDisabled();
    await expect(seen.getByRole("button", { name: "Approve" })).toHaveAccessibleDescription(/needs the admin role/);
    await expect(seen.getByRole("button", { name: "Reject…" })).toBeDisabled();
    await expect(viewer.getByRole("button", { name: "Refresh now" })).toBeDisabled();
    await expect(viewer.getByRole("region", { name: "Apply a topology" })).toContainText("needs the admin role");
    await screenshot(viewer, testInfo, "graph-sources-viewer");

    // Rejecting asks for a note; the viewer's page follows without a reload (the "graph" live topic).
    await held.getByRole("button", { name: "Reject…" }).click();
    const reject = held.getByRole("form", { name: "Reject the held change" });
    await expect(reject.getByRole("button", { name: "Reject and keep them" })).toBeDisabled();
    await reject.getByLabel("Why keep these elements?").fill("Still deployed; the catalog entry moved");
    await reject.getByRole("button", { name: "Reject and keep them" }).click();
    await expect(page.getByTestId("held-empty")).toBeVisible();
    await expect(viewer.getByTestId("held-empty")).toBeVisible();
    await expect(viewer.getByTestId("held-decided")).toHaveAttribute("data-status", "REJECTED");
    await viewer.context().close();
  } finally {
    rmSync(CATALOG_DIR, { recursive: true, force: true });
    // Back to the demo graph, exactly (observed=drop: nothing kept beside the document).
    expect((await page.request.put("/api/v1/graph?observed=drop&origin=e2e-restore", { data: original, headers: writes })).status()).toBe(200);
    expect((await (await page.request.get("/api/v1/graph")).json()).services).toHaveLength(original.services.length);
  }
});
