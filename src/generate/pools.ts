/**
 * Case pools of `tidepool generate`: per task, a GOOD pool of accepted samples and a BAD pool of
 * rejected ones (with the discriminator's reasons), from which later prompts draw few-shot examples.
 * Pure: the pools are a deterministic function of the sequence of {@link CasePools.add} calls.
 *
 * Each pool's entry array is replaced, never mutated, on every change (copy-on-write; a pool holds
 * at most `capacity` entries), and entries are frozen, so {@link CasePools.snapshot} only copies the
 * table of array references.
 */
import { InternalError, TidepoolError } from '../errors.js';
import { fnv1a32 } from '../util/random.js';
import { POOL_KEYS, POOL_KINDS, sampleId, sha256Hex, type PoolEntry, type PoolKey, type PoolKind, type PoolsState } from './pool-entry.js';
import { poolsStateProblems } from './pools-state.js';
import { GENERATE_TASKS, type GenerateTask, type InstructionSample } from './tasks.js';

/** Options of {@link CasePools}. */
export interface PoolOptions {
  /** Most entries per task and kind. @default 24 */
  capacity?: number;
}

/** Default {@link PoolOptions.capacity}. */
export const DEFAULT_POOL_CAPACITY = 24;

const NO_ENTRIES: readonly PoolEntry[] = Object.freeze([]);

function frozenEntry(id: string, entry: Omit<PoolEntry, 'id'>): PoolEntry {
  const { task, instruction, input, output, language, targetLanguage, tests } = entry.sample;
  const sample: InstructionSample = { task, instruction, input, output, language };
  if (targetLanguage !== undefined) sample.targetLanguage = targetLanguage;
  if (tests !== undefined) sample.tests = tests;
  return Object.freeze({ id, unit: entry.unit, rowId: entry.rowId, sample: Object.freeze(sample), reasons: Object.freeze([...entry.reasons]) as string[] });
}

/**
 * Index of the entry to evict from a full pool: the oldest entry among those of the pool's most
 * common language; where several languages tie for most common, the oldest entry of any of them.
 * Evicting from the commonest language keeps a full pool diverse across languages.
 */
function evictionIndex(entries: readonly PoolEntry[]): number {
  const perLanguage = new Map<string, number>();
  for (const entry of entries) perLanguage.set(entry.sample.language, (perLanguage.get(entry.sample.language) ?? 0) + 1);
  const most = Math.max(...perLanguage.values());
  return entries.findIndex((entry) => perLanguage.get(entry.sample.language) === most);
}

/**
 * Per-task GOOD and BAD pools of samples, at most `capacity` per task and kind.
 * A full pool evicts the oldest entry of its most common language (ties between languages: the
 * oldest entry of any of them) before appending, so it stays diverse across languages.
 */
export class CasePools {
  /** Most entries per task and kind. */
  readonly capacity: number;
  #version = 0;
  #pools = new Map<PoolKey, readonly PoolEntry[]>();
  #readOnly = false;
  #id: string | undefined;

  /** @throws TidepoolError `E_USAGE` when `options.capacity` is not a positive integer. */
  constructor(options: PoolOptions = {}) {
    const capacity = options.capacity ?? DEFAULT_POOL_CAPACITY;
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new TidepoolError('E_USAGE', `options.capacity must be a positive integer, got ${String(capacity)}`, { capacity });
    }
    this.capacity = capacity;
  }

  /** Count of changes so far: each successful {@link add} adds one. */
  get version(): number {
    return this.#version;
  }

  /** True for a {@link snapshot}, whose {@link add} throws. */
  get readOnly(): boolean {
    return this.#readOnly;
  }

  /**
   * Adds the entry to the pool of its `sample.task` and `kind`, evicting first when the pool is full.
   * Returns false, changing nothing, when an entry with the same id is already in that pool.
   * @throws InternalError on a snapshot, or for an unknown task or kind (bugs in the caller).
   */
  add(kind: PoolKind, entry: Omit<PoolEntry, 'id'>): boolean {
    if (this.#readOnly) throw new InternalError('CasePools.add was called on a snapshot; snapshots are read-only, add to the live pools');
    if (!POOL_KINDS.includes(kind) || !GENERATE_TASKS.includes(entry.sample.task)) {
      throw new InternalError(`CasePools.add: unknown pool ${JSON.stringify(`${entry.sample.task}/${kind}`)}`);
    }
    const key: PoolKey = `${entry.sample.task}/${kind}`;
    const id = sampleId(entry.sample);
    const pool = this.#pools.get(key) ?? NO_ENTRIES;
    if (pool.some((held) => held.id === id)) return false;
    const evicted = pool.length >= this.capacity ? evictionIndex(pool) : -1;
    const kept = evicted < 0 ? pool : pool.filter((_, index) => index !== evicted);
    this.#pools.set(key, Object.freeze([...kept, frozenEntry(id, entry)]));
    this.#version += 1;
    return true;
  }

  /** Number of entries in the pool of `task` and `kind`. */
  size(task: GenerateTask, kind: PoolKind): number {
    return this.entries(task, kind).length;
  }

  /** The pool of `task` and `kind`, oldest first, as a frozen array that later adds do not change. */
  entries(task: GenerateTask, kind: PoolKind): readonly PoolEntry[] {
    return this.#pools.get(`${task}/${kind}`) ?? NO_ENTRIES;
  }

  /**
   * Deterministic, diverse choice of up to `count` entries (fewer when the pool is smaller) for a
   * prompt; same pools, `key` and `language` give the same result. Entries are ranked by a hash of
   * (`key`, id), so different keys see different examples. The first pick is the best-ranked entry
   * in `language` where there is one; each later pick is the best-ranked entry among those whose
   * language has been picked least so far (new languages before repeats). No duplicates.
   */
  examples(task: GenerateTask, kind: PoolKind, count: number, key: string, language?: string): PoolEntry[] {
    // A cheap seeded rank (this runs for every prompt): the unit key's hash mixed with the entry id's
    // leading 32 bits (the id is itself a sha256), ties broken by id.
    const seed = fnv1a32(key);
    const pool = this.entries(task, kind);
    const prefixes = idPrefixes(pool);
    const ranks = prefixes.map((prefix) => fmix32((seed ^ prefix) >>> 0));
    const remaining = pool.map((_, index) => index)
      .sort((a, b) => ranks[a]! - ranks[b]! || (pool[a]!.id < pool[b]!.id ? -1 : pool[a]!.id > pool[b]!.id ? 1 : 0))
      .map((index) => pool[index]!);
    const wanted = Math.min(Math.floor(count), remaining.length);
    const picksPerLanguage = new Map<string, number>();
    const chosen: PoolEntry[] = [];
    while (chosen.length < wanted) {
      let best = chosen.length === 0 && language !== undefined ? remaining.findIndex((entry) => entry.sample.language === language) : -1;
      if (best < 0) {
        let fewestPicks = Infinity;
        remaining.forEach((entry, index) => {
          const picks = picksPerLanguage.get(entry.sample.language) ?? 0;
          if (picks < fewestPicks) [best, fewestPicks] = [index, picks];
        });
      }
      const [picked] = remaining.splice(best, 1);
      if (picked === undefined) throw new InternalError('CasePools.examples picked past the end of the pool');
      chosen.push(picked);
      picksPerLanguage.set(picked.sample.language, (picksPerLanguage.get(picked.sample.language) ?? 0) + 1);
    }
    return chosen;
  }

  /** A read-only copy: later adds to these pools do not change it, and its own {@link add} throws. Cheap (shares the frozen arrays). */
  snapshot(): CasePools {
    const copy = new CasePools({ capacity: this.capacity });
    copy.#version = this.#version;
    copy.#pools = new Map(this.#pools);
    copy.#readOnly = true;
    return copy;
  }

  /**
   * Content id `v${version}-${hash}`: `hash` is the first 8 hex of sha256 over every non-empty pool's
   * key and entry ids, pools in canonical order (tasks as in `GENERATE_TASKS`, good before bad),
   * entries oldest first. Pools with the same entries have the same hash whatever their version.
   */
  snapshotId(): string {
    if (this.#readOnly && this.#id !== undefined) return this.#id;
    const parts: string[] = [];
    for (const key of POOL_KEYS) {
      const pool = this.#pools.get(key) ?? NO_ENTRIES;
      if (pool.length > 0) parts.push(`${key}\n${pool.map((entry) => entry.id).join('\n')}\n`);
    }
    const id = `v${this.#version}-${sha256Hex(parts.join('\n')).slice(0, 8)}`;
    // A snapshot never changes, so its id is computed once.
    if (this.#readOnly) this.#id = id;
    return id;
  }

  /** The pools as plain data, pools in canonical order; {@link fromJSON} rebuilds identical pools from it. */
  toJSON(): PoolsState {
    const entries: Record<string, PoolEntry[]> = {};
    for (const key of POOL_KEYS) {
      const pool = this.#pools.get(key);
      if (pool !== undefined) entries[key] = [...pool];
    }
    return { capacity: this.capacity, version: this.#version, entries };
  }

  /**
   * Rebuilds pools saved by {@link toJSON} (also after a JSON round trip). The result is writable.
   * @throws TidepoolError `E_FORMAT_INVALID` listing every problem found in `state`.
   */
  static fromJSON(state: PoolsState): CasePools {
    const problems = poolsStateProblems(state);
    if (problems.length > 0) {
      const shown = problems.slice(0, 10).concat(problems.length > 10 ? [`... and ${problems.length - 10} more`] : []);
      throw new TidepoolError(
        'E_FORMAT_INVALID',
        `invalid case pools state:\n  - ${shown.join('\n  - ')}\nThe saved pools are damaged or from another version of tidepool; delete them to start the pools afresh.`,
        { problems },
      );
    }
    const pools = new CasePools({ capacity: state.capacity });
    pools.#version = state.version;
    for (const key of POOL_KEYS) {
      const saved = state.entries[key];
      if (saved !== undefined) pools.#pools.set(key, Object.freeze(saved.map((entry) => frozenEntry(entry.id, entry))));
    }
    return pools;
  }
}
/** Leading 32 bits of each entry's id, parsed once per pool array (pool arrays are frozen and replaced on change). */
const ID_PREFIXES = new WeakMap<readonly PoolEntry[], number[]>();
function idPrefixes(pool: readonly PoolEntry[]): number[] {
  let prefixes = ID_PREFIXES.get(pool);
  if (prefixes === undefined) ID_PREFIXES.set(pool, (prefixes = pool.map((entry) => Number.parseInt(entry.id.slice(0, 8), 16))));
  return prefixes;
}

/** murmur3's 32-bit finaliser: mixes every input bit into every output bit. */
function fmix32(value: number): number {
  let h = value;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
