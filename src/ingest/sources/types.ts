/** What every input reader yields: parsed records or rejects, each with its 1-based line/row. */
import type { RejectReason } from '../record.js';

/** A record read from an input file, or a reason it could not be read. */
export type SourceItem =
  | { kind: 'record'; line: number; value: unknown; /** The jsonl line it was parsed from (not for columnar inputs). */ text?: string | undefined }
  | { kind: 'reject'; line: number; reason: RejectReason; detail: string; raw?: string | undefined };

/** Hooks a reader calls while it works (the JSON-lines reader in `store/` defines them). */
export type { ReadHooks } from '../../store/jsonl.js';
