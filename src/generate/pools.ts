/**
 * Case pools of `tidepool generate`: per task, a GOOD pool of accepted samples and a BAD pool of
 * rejected ones (with the discriminator's reasons), from which later prompts draw few-shot examples.
 * Pure: the pools are a deterministic function of the sequence of {@link CasePools.add} calls.
 *
 * Each pool's entry array is replaced, never mutated, on every change (copy-on-write; a pool holds
 * at most `capacity` entries), and entries are frozen, so {@link CasePools.snapshot} only copies the
 * table of array references.
 */
import { createHash } from 'node:crypto';
import { InternalError, TidepoolError } from '../errors.js';
import { GENERATE_TASKS, type GenerateTask, type InstructionSample } from './tasks.js';

/** Which pool of a task: accepted (`good`) or rejected (`bad`) samples. */
export type PoolKind = 'good' | 'bad';

/** Pool kinds, in canonical order. */
export const POOL_KINDS: readonly PoolKind[] = ['good', 'bad'];

/** One sample in a pool. Entries held by {@link CasePools} are frozen. */
export interface PoolEntry {
  /** sha256 hex (first 16 chars) of the normalised sample: task + instruction + input + output with whitespace runs collapsed and trimmed. Dedup key. */
  id: string;
  /** Work unit that produced it, e.g. "generation:12345". */
  unit: string;
  rowId: number;
  sample: InstructionSample;
  /** Bad entries: why rejected, e.g. ["rule 3: the output does not handle empty lists"]. Good entries: []. */
  reasons: string[];
}

/** Options of {@link CasePools}. */
export interface PoolOptions {
  /** Most entries per task and kind. @default 24 */
  capacity?: number;
}

/** Pools as plain, JSON-serialisable data. `entries` is keyed by `${task}/${kind}`, each array oldest first. */
export interface PoolsState {
  capacity: number;
  version: number;
  entries: Record<string, PoolEntry[]>;
}

/** Default {@link PoolOptions.capacity}. */
export const DEFAULT_POOL_CAPACITY = 24;

type PoolKey = `${GenerateTask}/${PoolKind}`;
const POOL_KEYS: readonly PoolKey[] = GENERATE_TASKS.flatMap((task) => POOL_KINDS.map((kind): PoolKey => `${task}/${kind}`));
const NO_ENTRIES: readonly PoolEntry[] = Object.freeze([]);

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The dedup id of a sample: first 16 hex of sha256 over its task, instruction, input and output, whitespace runs collapsed and trimmed. */
export function sampleId(sample: Pick<InstructionSample, 'task' | 'instruction' | 'input' | 'output'>): string {
  const fields = [sample.task, normalise(sample.instruction), normalise(sample.input), normalise(sample.output)];
  return sha256Hex(JSON.stringify(fields)).slice(0, 16);
}

function frozenEntry(id: string, entry: Omit<PoolEntry, 'id'>): PoolEntry {
  const { task, instruction, input, output, language, targetLanguage } = entry.sample;
  const sample: InstructionSample = { task, instruction, input, output, language };
  if (targetLanguage !== undefined) sample.targetLanguage = targetLanguage;
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
    const problems = stateProblems(state);
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

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const describeValue = (value: unknown): string => (Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value);

/** Every problem with a saved state, each naming its path. Empty when the state is valid. */
function stateProblems(state: unknown): string[] {
  if (!isRecord(state)) return [`the state must be an object, found ${describeValue(state)}`];
  const problems: string[] = [];
  const capacity = state.capacity;
  if (!isCount(capacity) || capacity < 1) problems.push(`capacity must be a positive integer, found ${JSON.stringify(capacity)}`);
  if (!isCount(state.version)) problems.push(`version must be a non-negative integer, found ${JSON.stringify(state.version)}`);
  if (!isRecord(state.entries)) return [...problems, `entries must be an object keyed by "<task>/<kind>", found ${describeValue(state.entries)}`];
  for (const [key, pool] of Object.entries(state.entries)) {
    const path = `entries[${JSON.stringify(key)}]`;
    if (!(POOL_KEYS as readonly string[]).includes(key)) {
      problems.push(`${path}: unknown pool; expected one of ${POOL_KEYS.join(', ')}`);
      continue;
    }
    if (!Array.isArray(pool)) {
      problems.push(`${path} must be an array, found ${describeValue(pool)}`);
      continue;
    }
    if (isCount(capacity) && pool.length > capacity) problems.push(`${path} holds ${pool.length} entries, more than the capacity ${capacity}`);
    const seen = new Set<string>();
    pool.forEach((entry: unknown, index) => {
      const entryProblems = entryShapeProblems(entry, key.split('/')[0] ?? '');
      problems.push(...entryProblems.map((problem) => `${path}[${index}]${problem}`));
      if (entryProblems.length > 0 || !isRecord(entry)) return;
      if (seen.has(entry.id as string)) problems.push(`${path}[${index}].id ${JSON.stringify(entry.id)} appears twice in the pool`);
      seen.add(entry.id as string);
    });
  }
  return problems;
}

/** Problems with one entry, each starting with the field path below the entry (e.g. `.sample.language ...`). */
function entryShapeProblems(entry: unknown, task: string): string[] {
  if (!isRecord(entry)) return [` must be an object, found ${describeValue(entry)}`];
  const problems: string[] = [];
  if (typeof entry.id !== 'string' || !/^[0-9a-f]{16}$/.test(entry.id)) problems.push(`.id must be 16 hex digits, found ${JSON.stringify(entry.id)}`);
  if (typeof entry.unit !== 'string') problems.push(`.unit must be a string, found ${describeValue(entry.unit)}`);
  if (!isCount(entry.rowId)) problems.push(`.rowId must be a non-negative integer, found ${JSON.stringify(entry.rowId)}`);
  if (!Array.isArray(entry.reasons) || !entry.reasons.every((reason) => typeof reason === 'string')) problems.push('.reasons must be an array of strings');
  const sample = entry.sample;
  if (!isRecord(sample)) return [...problems, `.sample must be an object, found ${describeValue(sample)}`];
  if (sample.task !== task) problems.push(`.sample.task must be ${JSON.stringify(task)} (the pool's task), found ${JSON.stringify(sample.task)}`);
  for (const field of ['instruction', 'input', 'output', 'language'] as const) {
    if (typeof sample[field] !== 'string') problems.push(`.sample.${field} must be a string, found ${describeValue(sample[field])}`);
  }
  if (sample.targetLanguage !== undefined && typeof sample.targetLanguage !== 'string') problems.push(`.sample.targetLanguage must be a string when present, found ${describeValue(sample.targetLanguage)}`);
  if (problems.length === 0 && entry.id !== sampleId(sample as unknown as InstructionSample)) {
    problems.push(`.id ${JSON.stringify(entry.id)} does not match its sample (expected ${JSON.stringify(sampleId(sample as unknown as InstructionSample))})`);
  }
  return problems;
}

/** Longest text of one example field in {@link formatExamples}; longer text is cut and marked. */
export const EXAMPLE_FIELD_LIMIT = 1500;
/** Marker ending a field that {@link formatExamples} cut. */
export const TRUNCATED_MARKER = '… (truncated)';
/** Most reasons shown per rejected example in {@link formatExamples}. */
export const EXAMPLE_REASON_LIMIT = 10;

function truncate(text: string): string {
  if (text.length <= EXAMPLE_FIELD_LIMIT) return text;
  let cut = text.slice(0, EXAMPLE_FIELD_LIMIT);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1); // do not split a surrogate pair
  return `${cut}${TRUNCATED_MARKER}`;
}

/** A labelled field in a fence longer than any backtick run inside it, so code with its own fences stays readable. */
function field(label: string, text: string): string {
  if (text.trim() === '') return `${label}: (empty)`;
  const longestRun = Math.max(0, ...Array.from(text.matchAll(/`+/g), (match) => match[0].length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return `${label}:\n${fence}\n${truncate(text)}\n${fence}`;
}

// Entries are frozen, so their rendered blocks are computed once (every prompt renders a few).
const goodBlocks = new WeakMap<PoolEntry, string>();
const badBlocks = new WeakMap<PoolEntry, string>();

function goodBlock(entry: PoolEntry): string {
  let block = goodBlocks.get(entry);
  if (block === undefined) goodBlocks.set(entry, (block = exampleBlock('Example of an accepted sample:', entry)));
  return block;
}

function badBlock(entry: PoolEntry): string {
  let block = badBlocks.get(entry);
  if (block === undefined) badBlocks.set(entry, (block = rejectedBlock(entry)));
  return block;
}

function exampleBlock(heading: string, entry: PoolEntry): string {
  const { sample } = entry;
  const language = sample.targetLanguage === undefined ? `Language: ${sample.language}` : `Language: ${sample.language} -> ${sample.targetLanguage}`;
  return [heading, language, field('Instruction', sample.instruction), field('Input', sample.input), field('Output', sample.output)].join('\n');
}

function rejectedBlock(entry: PoolEntry): string {
  const reasons = entry.reasons.slice(0, EXAMPLE_REASON_LIMIT).map((reason) => `- ${truncate(normalise(reason))}`);
  if (entry.reasons.length > EXAMPLE_REASON_LIMIT) reasons.push(`- ... and ${entry.reasons.length - EXAMPLE_REASON_LIMIT} more`);
  const why = reasons.length === 0 ? 'Why it was rejected: (no reason recorded)' : `Why it was rejected:\n${reasons.join('\n')}`;
  return `${exampleBlock('Example of a rejected sample and why:', entry)}\n${why}`;
}

/**
 * The text that replaces `{{examples}}` in a prompt: one "Example of an accepted sample:" block per
 * good entry, then one "Example of a rejected sample and why:" block per bad entry with its reasons,
 * blocks separated by blank lines. Each field is cut to {@link EXAMPLE_FIELD_LIMIT} characters
 * (ending in {@link TRUNCATED_MARKER}). Empty string when both lists are empty.
 */
export function formatExamples(good: readonly PoolEntry[], bad: readonly PoolEntry[]): string {
  const blocks = [...good.map(goodBlock), ...bad.map(badBlock)];
  return blocks.join('\n\n');
}

/** 32-bit FNV-1a over the UTF-16 code units of `text`. */
/** Leading 32 bits of each entry's id, parsed once per pool array (pool arrays are frozen and replaced on change). */
const ID_PREFIXES = new WeakMap<readonly PoolEntry[], number[]>();
function idPrefixes(pool: readonly PoolEntry[]): number[] {
  let prefixes = ID_PREFIXES.get(pool);
  if (prefixes === undefined) ID_PREFIXES.set(pool, (prefixes = pool.map((entry) => Number.parseInt(entry.id.slice(0, 8), 16))));
  return prefixes;
}

function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** murmur3's 32-bit finaliser: mixes every input bit into every output bit. */
function fmix32(value: number): number {
  let h = value;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
