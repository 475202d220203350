import type { ChainRow } from "./verify-chain";
import type { AuditCategory, AuditCheckpoint, AuditRecord, AuditSeverity, ChainHead } from "./types";

/**
 * An open transaction of the store, handed through the core untouched so that
 * a status change and its audit event commit together. Only the adapter that
 * made it knows what is inside.
 */
export interface StoreTransaction {
  readonly __storeTransaction: true;
}

/** What an append sees while it holds the chain's lock. */
export interface ChainWriter {
  head(): Promise<ChainHead | null>;
  insert(records: AuditRecord[]): Promise<void>;
}

export interface AuditQuery {
  category?: AuditCategory;
  severity?: AuditSeverity;
  actor?: string;
  service?: string;
  operationId?: string;
  correlationId?: string;
  from?: Date;
  to?: Date;
  /** Keyset cursor: return events with seq below this one (newest first). */
  beforeSeq?: number;
  limit: number;
}

export interface AuditPage {
  events: AuditRecord[];
  /** Pass as `beforeSeq` for the next page; null on the last page. */
  nextBeforeSeq: number | null;
}

export interface AuditCounts {
  total: number;
  byCategory: Partial<Record<AuditCategory, number>>;
  bySeverity: Partial<Record<AuditSeverity, number>>;
  uniqueActors: number;
  uniqueServices: number;
  firstAt: string | null;
  lastAt: string | null;
}

export interface AuditStore {
  /**
   * Runs `fn` holding the chain's lock (writers in every process queue on it),
   * inside `tx` when given, else in a transaction of its own that commits when
   * `fn` returns.
   */
  appendUnderLock<T>(tx: StoreTransaction | null, fn: (writer: ChainWriter) => Promise<T>): Promise<T>;
  head(): Promise<ChainHead | null>;
  /** Every event from `fromSeq` on, in sequence order, fetched in batches (columnsMatch left to findColumnMismatch). */
  streamChain(fromSeq: number, batchSize: number): AsyncIterable<ChainRow>;
  /** The first seq whose queryable columns no longer equal its hashed canonical text, or null. */
  findColumnMismatch(): Promise<number | null>;
  /** Full records in sequence order, for export. */
  streamRecords(batchSize: number): AsyncIterable<AuditRecord>;
  query(query: AuditQuery): Promise<AuditPage>;
  counts(): Promise<AuditCounts>;
  listCheckpoints(): Promise<AuditCheckpoint[]>;
  /** Stores a checkpoint unless one exists for its seq; true when this call stored it. */
  insertCheckpoint(checkpoint: AuditCheckpoint): Promise<boolean>;
}

/** Where checkpoints are kept outside the database (a JSONL file by default). */
export interface CheckpointSink {
  append(checkpoint: AuditCheckpoint): Promise<void>;
  readAll(): Promise<AuditCheckpoint[]>;
}
