/**
 * The response cache: every paid answer, keyed by the hash of its full request, appended to
 * `responses.jsonl` the moment it arrives (one write per answer, before the unit goes on). A rerun (after a crash, or with some parameters changed)
 * asks the cache first, so no finished request is paid for twice. Only the index stays in memory.
 */
import { TidepoolError } from '../errors.js';
import { AppendLog, scanLines } from './jsonl-log.js';
import type { ChatResult } from './llm.js';

interface CacheLine {
  key: string;
  /** The model the request named (prices are looked up by it). */
  model: string;
  result: ChatResult;
}

/** Tokens and requests paid for, by model. */
export interface CacheSpend {
  requests: number;
  byModel: Record<string, { requests: number; promptTokens: number; completionTokens: number }>;
}

/** An open response cache. */
export class ResponseCache {
  private readonly index = new Map<string, { offset: number; length: number }>();
  private readonly log: AppendLog;
  /** What the cached responses cost: everything this output folder has paid for. */
  readonly spend: CacheSpend = { requests: 0, byModel: {} };

  private constructor(path: string) {
    const size = scanLines(path, (text, offset, length) => {
      let line: CacheLine;
      try {
        line = JSON.parse(text) as CacheLine;
        if (!isCacheLine(line)) throw new Error('not a cache entry');
      } catch (error) {
        throw new TidepoolError('E_FORMAT_INVALID', `${path} at byte ${offset}: not a cache entry (${(error as Error).message}); delete ${path} to start the cache afresh (answers will be paid for again)`, { path, offset });
      }
      this.index.set(line.key, { offset, length });
      this.count(line.model, line.result);
    });
    this.log = AppendLog.open(path, size);
  }

  /** Opens (or creates) the cache at `path`. */
  static open(path: string): ResponseCache {
    return new ResponseCache(path);
  }

  /** Entries in the cache. */
  get size(): number {
    return this.index.size;
  }

  /** The cached answer to the request with `key`, if any. */
  get(key: string): ChatResult | undefined {
    const at = this.index.get(key);
    if (at === undefined) return undefined;
    return (JSON.parse(this.log.read(at.offset, at.length)) as CacheLine).result;
  }

  /**
   * Stores a paid answer, written to the file before this returns (not at the end of the event-loop
   * turn as the other logs are): the unit that asked may send its next request in this very turn, and
   * a kill -9 before the turn ended would lose an answer already paid for, to be paid again.
   * @throws TidepoolError `E_NO_SPACE` / `E_OUTPUT` naming the file when the write fails.
   */
  put(key: string, model: string, result: ChatResult): void {
    if (this.index.has(key)) return;
    this.index.set(key, this.log.append({ key, model, result } satisfies CacheLine));
    this.count(model, result);
    this.log.flush();
  }

  /** Writes pending entries now. */
  flush(): void {
    this.log.flush();
  }

  close(): void {
    this.log.close();
  }

  private count(model: string, result: ChatResult): void {
    this.spend.requests++;
    const entry = (this.spend.byModel[model] ??= { requests: 0, promptTokens: 0, completionTokens: 0 });
    entry.requests++;
    entry.promptTokens += result.promptTokens;
    entry.completionTokens += result.completionTokens;
  }
}

function isCacheLine(value: unknown): value is CacheLine {
  if (typeof value !== 'object' || value === null) return false;
  const line = value as Record<string, unknown>;
  const result = line.result as Record<string, unknown> | null | undefined;
  return typeof line.key === 'string' && typeof line.model === 'string' && typeof result === 'object' && result !== null &&
    typeof result.content === 'string' && typeof result.promptTokens === 'number' && typeof result.completionTokens === 'number';
}
