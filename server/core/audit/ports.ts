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

/** The first row of a chain scan that failed a check, with what each check found. */
export interface ChainScanRow {
  seq: number;
  hash: string;
  /** The row before it in seq order (null for the first row). */
  prevSeq: number | null;
  prevRowHash: string | null;
  /** sha256(canonical) equals the stored hash. */
  hashOk: boolean;
  canonicalSeq: number | null;
  canonicalPrevHash: string | null;
  /** Every queryable column equals the hashed text. */
  columnsOk: boolean;
  /** The checkpoint taken at this seq, if any. */
  checkpointHash: string | null;
}

export interface ChainScan {
  /** Rows in the table, and rows at or before the problem (all rows when none). */
  total: number;
  checked: number;
  lastSeq: number;
  firstProblem: ChainScanRow | null;
}

export interface AuditQuery {
  category?: AuditCategory;
  severity?: AuditSeverity;
  actor?: string;
  service?: string;
  operationId?: string;
  correlationId?: string;
  action?: string;
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
  /**
   * Checks the whole chain where the data is and returns the first row that
   * fails any check, or null when the store cannot (a canonical text is no
   * longer JSON); the caller then streams the records and checks them itself.
   */
  scanChain(checkpoints: AuditCheckpoint[]): Promise<ChainScan | null>;
  /** Full records in sequence order, in batches (export, and verification's fallback). */
  streamRecords(batchSize: number): AsyncIterable<AuditRecord>;
  query(query: AuditQuery): Promise<AuditPage>;
  counts(): Promise<AuditCounts>;
  /**
   * The same checks as scanChain over the rows from `fromSeq` to the head
   * (each still linked to the row before it): what a checkpoint vouches for
   * since the last one. Null when a canonical text there is no longer JSON.
   */
  scanSegment(fromSeq: number, checkpoints: AuditCheckpoint[]): Promise<ChainScan | null>;
  /** The stored hash of each of these seqs that exists. */
  hashesAt(seqs: number[]): Promise<Map<number, string>>;
  listCheckpoints(): Promise<AuditCheckpoint[]>;
  /** The checkpoint with the highest seq in the table, if any. */
  latestCheckpoint(): Promise<AuditCheckpoint | null>;
  /** Stores a checkpoint unless one exists for its seq; true when this call stored it. */
  insertCheckpoint(checkpoint: AuditCheckpoint): Promise<boolean>;
}

/** Where checkpoints are kept outside the database (a JSONL file by default). */
export interface CheckpointSink {
  /** Where it is, for messages (a file path). */
  readonly location?: string;
  append(checkpoint: AuditCheckpoint): Promise<void>;
  readAll(): Promise<AuditCheckpoint[]>;
}
