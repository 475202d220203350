import Link from "next/link";
import { operationOfHolder } from "./format";

/** A lock holder: a link to the operation when the holder is an operation's attempt. */
export function HolderId({ holderId }: { holderId: string }) {
  const op = operationOfHolder(holderId);
  if (!op) return <span className="whitespace-nowrap font-mono text-xs">{holderId}</span>;
  return (
    <Link
      href={`/operations/${op.operationId}`}
      aria-label={holderId}
      className="whitespace-nowrap font-mono text-xs text-blue-700 underline-offset-2 hover:underline"
      title={`${holderId}: operation ${op.operationId}, attempt ${op.attempt}`}
    >
      op:{op.operationId.slice(0, 8)}…#{op.attempt}
    </Link>
  );
}
