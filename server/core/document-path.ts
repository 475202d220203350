// Where in a document (a topology file, a runbooks file) a problem is:
// ["runbooks", 3, "steps", 0, "argv"]. Problems are reported in document order.

export type DocumentPath = (string | number)[];

/** Document order: indexes numerically, keys alphabetically, a parent before what it holds. */
export function comparePaths(a: DocumentPath, b: DocumentPath): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return a.length - b.length;
}
