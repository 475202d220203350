import { Fragment, type HTMLAttributes, type Key, type ReactNode } from "react";

// The console's one table. Two looks: "boxed" (a bordered card with a grey
// header row, for a page's main list) and "plain" (no frame, for a table inside
// a card that already has one). Always a real <table> with a caption, column
// headers (<th scope="col">) and, when a column is marked `rowHeader`, a row
// header per row (<th scope="row">), so screen readers and role-based tests see
// rows, cells and column headers.

export type Align = "left" | "right" | "center";

export interface Column<T> {
  /** Stable React key of the column. */
  key: string;
  header: ReactNode;
  cell: (row: T, index: number) => ReactNode;
  align?: Align;
  /** Render this column's cells as <th scope="row"> (the row's name). */
  rowHeader?: boolean;
  /** Extra classes for this column's body cells (padding comes from the table). */
  className?: string;
  /** Extra classes for this column's header cell. */
  headerClassName?: string;
  /** Attributes for a body cell (data-testid, title …). */
  cellProps?: (row: T, index: number) => HTMLAttributes<HTMLTableCellElement> & Record<`data-${string}`, string | number | undefined>;
}

type RowAttributes = HTMLAttributes<HTMLTableRowElement> & Record<`data-${string}`, string | number | undefined>;

export interface DataTableProps<T> {
  columns: Column<T>[];
  rows: readonly T[];
  rowKey: (row: T, index: number) => Key;
  /** What the table lists; screen readers announce it. Visually hidden unless `captionClassName` is given. */
  caption: ReactNode;
  captionClassName?: string;
  /** Shown instead of the table when there are no rows (the table itself when omitted). */
  empty?: ReactNode;
  /** Attributes for each body row (data-testid, className …). */
  rowProps?: (row: T, index: number) => RowAttributes;
  /** Rendered right after a row, e.g. an expanded detail row (<tr>). */
  afterRow?: (row: T, index: number) => ReactNode;
  variant?: "boxed" | "plain";
  /** Cell padding: "normal" px-3 py-2, "snug" px-3 py-1.5 rows, "compact" px-2 py-1.5 rows, "narrow" px-2 py-2. */
  density?: "normal" | "snug" | "compact" | "narrow";
  /** Classes for the <tbody> beyond the row dividers (e.g. "align-top", "tabular-nums"). */
  bodyClassName?: string;
  /** Rendered inside the frame, under the table (a "more exist" note). */
  footer?: ReactNode;
  /** Attributes for the <table> (data-testid). */
  tableProps?: HTMLAttributes<HTMLTableElement> & Record<`data-${string}`, string | undefined>;
}

const ALIGN: Record<Align, string> = { left: "", right: "text-right", center: "text-center" };

const PADDING = {
  normal: { head: "px-3 py-2", cell: "px-3 py-2" },
  snug: { head: "px-3 py-2", cell: "px-3 py-1.5" },
  compact: { head: "px-2 py-2", cell: "px-2 py-1.5" },
  narrow: { head: "px-2 py-2", cell: "px-2 py-2" },
} as const;

function cx(...parts: (string | false | null | undefined)[]): string {
  return parts.filter(Boolean).join(" ");
}

export function DataTable<T>({ columns, rows, rowKey, caption, captionClassName, empty, rowProps, afterRow, variant = "boxed", density = "normal", bodyClassName, footer, tableProps }: DataTableProps<T>) {
  if (rows.length === 0 && empty !== undefined) return <>{empty}</>;
  const boxed = variant === "boxed";
  // Plain tables sit flush in their card: no side padding on the first column, none after the last.
  const pad = (i: number, kind: "head" | "cell") => (boxed ? PADDING[density][kind] : cx("py-1.5", i < columns.length - 1 && "pr-3"));
  return (
    <div className={boxed ? "overflow-x-auto rounded-lg border border-slate-200 bg-white" : "overflow-x-auto"}>
      <table className="min-w-full text-left text-sm" {...tableProps}>
        <caption className={captionClassName ?? "sr-only"}>{caption}</caption>
        <thead className={boxed ? "bg-slate-100 text-xs uppercase tracking-wide text-slate-600" : "text-xs uppercase tracking-wide text-slate-500"}>
          <tr>
            {columns.map((c, i) => (
              <th key={c.key} scope="col" className={cx(pad(i, "head"), ALIGN[c.align ?? "left"], c.headerClassName)}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className={cx("divide-y divide-slate-100", bodyClassName)}>
          {rows.map((row, r) => (
            <Fragment key={rowKey(row, r)}>
              <tr {...rowProps?.(row, r)}>
                {columns.map((c, i) => {
                  const className = cx(pad(i, "cell"), ALIGN[c.align ?? "left"], c.className);
                  const props = c.cellProps?.(row, r);
                  return c.rowHeader ? (
                    <th key={c.key} scope="row" {...props} className={className}>
                      {c.cell(row, r)}
                    </th>
                  ) : (
                    <td key={c.key} {...props} className={className}>
                      {c.cell(row, r)}
                    </td>
                  );
                })}
              </tr>
              {afterRow?.(row, r)}
            </Fragment>
          ))}
        </tbody>
      </table>
      {footer}
    </div>
  );
}

/** A full-width row under a table row (expanded detail, an error about that row). */
export function DataTableDetailRow({ colSpan, children, cellClassName = "", ...rest }: { colSpan: number; children: ReactNode; cellClassName?: string } & RowAttributes) {
  return (
    <tr {...rest}>
      <td colSpan={colSpan} className={cellClassName}>
        {children}
      </td>
    </tr>
  );
}
