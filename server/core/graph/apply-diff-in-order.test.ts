import { describe, expect, it } from "vitest";
import { AppError } from "../errors";
import { applyDiffInOrder, GraphNotInOrder } from "./apply-diff-in-order";
import { applyTopologyDiff, diffTopology, emptyDiff } from "./diff-topology";
import { generateSyntheticTopology } from "./generate-synthetic-topology";
import { GraphIndex } from "./graph-index";
import { normalizeTopology } from "./normalize-topology";
import { perturbTopology } from "./perturb-topology";

describe("applyDiffInOrder (catching an index up with a revision: docs/graph-changes.md#freshness-across-processes)", () => {
  it("gives exactly what applyTopologyDiff then normalizeTopology give, over chains of random changes", () => {
    for (let seed = 1; seed <= 8; seed++) {
      let graph = normalizeTopology(generateSyntheticTopology({ services: 300, dependencies: 900, resourceGroups: 6, seed }));
      let caughtUp = graph;
      for (let step = 0; step < 5; step++) {
        const next = perturbTopology(graph, { share: 0.05, seed: seed * 100 + step });
        const diff = diffTopology(graph, next);
        const expected = normalizeTopology(applyTopologyDiff(graph, diff));
        caughtUp = applyDiffInOrder(caughtUp, diff);
        expect(caughtUp).toEqual(expected);
        // The same index: the same ids for the same names, so the same reach in the same order.
        const a = GraphIndex.build(caughtUp);
        const b = GraphIndex.build(expected);
        for (const name of [expected.services[0]!.name, expected.services.at(-1)!.name]) {
          expect(Array.from(a.downstream(a.idOf(name)!, 3).nodes)).toEqual(Array.from(b.downstream(b.idOf(name)!, 3).nodes));
        }
        graph = expected;
      }
    }
  });

  it("keeps unchanged elements as the same objects, and an empty diff changes nothing", () => {
    const graph = normalizeTopology(generateSyntheticTopology({ services: 50, dependencies: 120, resourceGroups: 2, seed: 3 }));
    const after = applyDiffInOrder(graph, emptyDiff());
    expect(after).toEqual(graph);
    expect(after.services[7]).toBe(graph.services[7]);
  });

  it("refuses a diff that does not fit the graph, naming what does not fit", () => {
    const graph = normalizeTopology(generateSyntheticTopology({ services: 20, dependencies: 30, resourceGroups: 1, seed: 5 }));
    const removeGhost = { ...emptyDiff(), services: { added: [], removed: [{ ...graph.services[0]!, name: "ghost-service" }], changed: [] } };
    const error = (() => {
      try {
        applyDiffInOrder(graph, removeGhost);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).message).toContain('service "ghost-service" is not in the graph (remove)');
    const addExisting = { ...emptyDiff(), edges: { added: [graph.dependencies[0]!], removed: [], changed: [] } };
    expect(() => applyDiffInOrder(graph, addExisting)).toThrow(/is already in the graph \(add\)/);
  });

  it("tells a graph that is not in order apart, so the caller reads the whole graph", () => {
    const graph = normalizeTopology(generateSyntheticTopology({ services: 20, dependencies: 30, resourceGroups: 1, seed: 6 }));
    const shuffled = { ...graph, services: [...graph.services].reverse() };
    expect(() => applyDiffInOrder(shuffled, emptyDiff())).toThrow(GraphNotInOrder);
  });
});
