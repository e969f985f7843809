/**
 * The sequential half of ingest's pure core: filters, exact de-duplication and the tally. Input order
 * fully determines the output (row ids are assigned in order of first kept occurrence).
 */
import { KeySet } from './dedup.js';
import type { ResolvedIngestOptions } from './options.js';
import type { ChunkResult } from './chunk.js';
import type { PairFields, RejectReason } from './record.js';

/** Why a well-formed pair was left out by a filter. */
export type FilterReason = 'language' | 'code_lines_min' | 'code_lines_max' | 'code_chars_min' | 'code_chars_max' | 'docstring_words_min';

/** The `--json` summary counts of ingest. */
export interface IngestCounts {
  read: number;
  kept: number;
  duplicates: number;
  filtered: number;
  rejected: number;
  rejectedByReason: Partial<Record<RejectReason, number>>;
  filteredByReason: Partial<Record<FilterReason, number>>;
  /** Input files left out as a whole (unreadable or damaged); not records, so not in `read`. */
  rejectedFiles: number;
}

function countLines(code: string): number {
  let lines = 1;
  for (let at = code.indexOf('\n'); at !== -1; at = code.indexOf('\n', at + 1)) lines++;
  // A trailing newline does not start another line.
  return code.endsWith('\n') ? lines - 1 : lines;
}

function countWords(text: string): number {
  const words = text.trim().split(/\s+/);
  return words.length === 1 && words[0] === '' ? 0 : words.length;
}

/** The options the filters read. */
export type FilterOptions = Pick<ResolvedIngestOptions, 'languages' | 'minCodeLines' | 'maxCodeLines' | 'minCodeChars' | 'maxCodeChars' | 'minDocstringWords'>;

/** First filter that rejects the pair, or null. */
export function filterReason(fields: PairFields, options: FilterOptions): FilterReason | null {
  if (options.languages !== null && !options.languages.includes(fields.language)) return 'language';
  const chars = fields.code.length;
  if (chars < options.minCodeChars) return 'code_chars_min';
  if (chars > options.maxCodeChars) return 'code_chars_max';
  // Non-empty code has at least one line: count lines only when a line filter can bite.
  if (options.minCodeLines > 1 || (options.minCodeLines === 1 && chars === 0) || Number.isFinite(options.maxCodeLines)) {
    const lines = countLines(fields.code);
    if (lines < options.minCodeLines) return 'code_lines_min';
    if (lines > options.maxCodeLines) return 'code_lines_max';
  }
  if (options.minDocstringWords > 0 && countWords(fields.docstring) < options.minDocstringWords) return 'docstring_words_min';
  return null;
}

/** Which candidate rows of a chunk are kept (not duplicates), and the row id of the first. */
export interface ChunkVerdict {
  keep: Uint8Array;
  kept: number;
  firstRowId: number;
}

/**
 * Keeps the tally and de-duplicates candidate rows. Chunks must be added in input order: then
 * row ids and "first occurrence wins" do not depend on how the chunks were scheduled.
 */
export class IngestCore {
  readonly counts: IngestCounts = { read: 0, kept: 0, duplicates: 0, filtered: 0, rejected: 0, rejectedByReason: {}, filteredByReason: {}, rejectedFiles: 0 };
  private readonly seen = new KeySet();

  constructor(private readonly options: Pick<ResolvedIngestOptions, 'dedup'>) {}

  /** Counts an input file that was left out as a whole. */
  rejectFile(): void {
    this.counts.rejectedFiles++;
  }

  /** Adds one chunk's tallies and decides which of its candidate rows are kept. */
  addChunk(chunk: ChunkResult): ChunkVerdict {
    const counts = this.counts;
    counts.read += chunk.read;
    for (const reject of chunk.rejects) {
      counts.rejected++;
      counts.rejectedByReason[reject.reason] = (counts.rejectedByReason[reject.reason] ?? 0) + 1;
    }
    for (const [reason, n] of Object.entries(chunk.filteredByReason) as [FilterReason, number][]) {
      counts.filtered += n;
      counts.filteredByReason[reason] = (counts.filteredByReason[reason] ?? 0) + n;
    }
    const keep = new Uint8Array(chunk.rows);
    const firstRowId = counts.kept;
    let kept = 0;
    for (let row = 0; row < chunk.rows; row++) {
      if (this.options.dedup && !this.seen.add(chunk.hashHi[row]!, chunk.hashLo[row]!)) {
        counts.duplicates++;
      } else {
        keep[row] = 1;
        kept++;
      }
    }
    counts.kept += kept;
    return { keep, kept, firstRowId };
  }
}
