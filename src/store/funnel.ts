/**
 * The generation funnel as `generate` writes it into its manifest (`counts.funnel`) and `report` reads
 * it back: per task and language, how many units ran, how many replies could be read, how many the
 * prechecks and the discriminator rejected, how many were accepted; the reasons behind rejections.
 * The shape, its JSON reader and the pure queries both stages share; `generate` keeps the accumulation.
 */

/** Counts of one task and language. */
export interface FunnelCounts {
  /** Units that finished (accepted or rejected). */
  units: number;
  /** Generator replies that could be read as a sample. */
  generated: number;
  /** Rejected before the discriminator (unreadable reply or a failed precheck). */
  prefiltered: number;
  /** Samples the discriminator judged. */
  judged: number;
  accepted: number;
  promptTokens: number;
  completionTokens: number;
  /** List-price cost of the units' requests; null once one had no known price. */
  usd: number | null;
}

/** The whole funnel. */
export interface Funnel {
  /** `task/language` -> counts. */
  groups: Record<string, FunnelCounts>;
  /** `task/reason-code` -> how many rejections gave it. */
  reasons: Record<string, number>;
  /**
   * `task/rule_N` -> the discriminator rule the code stands for, shortened (see {@link shortRule}),
   * so a reader sees `rule_3 (the output is <language> code that solves the task…)`, not a number.
   * Absent in funnels written before it existed.
   */
  rules?: Record<string, string>;
  /**
   * Execution checks: `task/language` -> verdict (`passed`, `failed`, `timeout`, `crashed`, `skipped`)
   * -> samples. Absent when no sample was executed (execution off, or funnels written before it existed).
   */
  execution?: Record<string, Record<string, number>>;
  /** Why executions were skipped: `task/code` (`no_tests`, `language_unsupported`, `sandbox`) -> samples. */
  skipped?: Record<string, number>;
}

/** An empty funnel. */
export function emptyFunnel(): Funnel {
  return { groups: {}, reasons: {} };
}

/** Sum of every group's counts, or of those matching `filter`. */
export function funnelTotal(funnel: Funnel, filter: (task: string, language: string) => boolean = () => true): FunnelCounts {
  const total: FunnelCounts = { units: 0, generated: 0, prefiltered: 0, judged: 0, accepted: 0, promptTokens: 0, completionTokens: 0, usd: 0 };
  for (const [key, counts] of Object.entries(funnel.groups)) {
    const [task = '', language = ''] = key.split('/');
    if (!filter(task, language)) continue;
    for (const field of ['units', 'generated', 'prefiltered', 'judged', 'accepted', 'promptTokens', 'completionTokens'] as const) total[field] += counts[field];
    total.usd = total.usd === null || counts.usd === null ? null : total.usd + counts.usd;
  }
  return total;
}

/** The `limit` most frequent reasons of `task` (all tasks when undefined), most frequent first, ties by code. */
export function topReasons(funnel: Funnel, limit: number, task?: string): { task: string; code: string; count: number }[] {
  return Object.entries(funnel.reasons)
    .map(([key, count]) => {
      const slash = key.indexOf('/');
      return { task: key.slice(0, slash), code: key.slice(slash + 1), count };
    })
    .filter((entry) => task === undefined || entry.task === task)
    .sort((a, b) => b.count - a.count || a.task.localeCompare(b.task) || a.code.localeCompare(b.code))
    .slice(0, limit);
}

/** `code`, followed by what it means when the funnel names it: `rule_3 (the output is <language> code…)`. */
export function reasonLabel(funnel: Funnel, task: string, code: string): string {
  const name = funnel.rules?.[`${task}/${code}`];
  return name === undefined ? code : `${code} (${name})`;
}

/** A parsed value, or what is wrong with it. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;

const FUNNEL_FIELDS = ['units', 'generated', 'prefiltered', 'judged', 'accepted', 'promptTokens', 'completionTokens'] as const;

/** A generate funnel ({@link Funnel}) from JSON (a manifest's `counts.funnel`), checked field by field. */
export function parseFunnel(value: unknown): Parsed<Funnel> {
  if (!isObject(value) || !isObject(value.groups) || !isObject(value.reasons)) return { ok: false, problem: 'its manifest has no "counts.funnel" with "groups" and "reasons" (written by tidepool generate)' };
  const groups: Record<string, FunnelCounts> = {};
  for (const [key, group] of Object.entries(value.groups)) {
    if (!isObject(group)) return { ok: false, problem: `counts.funnel.groups["${key}"] is not an object` };
    const bad = FUNNEL_FIELDS.find((field) => !isCount(group[field]));
    if (bad !== undefined) return { ok: false, problem: `counts.funnel.groups["${key}"].${bad} is not a count` };
    const usd = group.usd;
    groups[key] = {
      units: group.units as number, generated: group.generated as number, prefiltered: group.prefiltered as number, judged: group.judged as number,
      accepted: group.accepted as number, promptTokens: group.promptTokens as number, completionTokens: group.completionTokens as number,
      usd: isCount(usd) ? usd : null,
    };
  }
  const reasons: Record<string, number> = {};
  for (const [key, count] of Object.entries(value.reasons)) {
    if (!isCount(count)) return { ok: false, problem: `counts.funnel.reasons["${key}"] is not a count` };
    reasons[key] = count;
  }
  // Rule names (what `rule_3` means) came later: absent or malformed, the codes are shown alone.
  const rules = isObject(value.rules) ? Object.fromEntries(Object.entries(value.rules).filter((entry): entry is [string, string] => typeof entry[1] === 'string')) : undefined;
  // Execution counts came later still: kept where every count is a count, else left out (they only add detail).
  const execution = isObject(value.execution) && Object.values(value.execution).every((verdicts) => isObject(verdicts) && Object.values(verdicts).every(isCount))
    ? (value.execution as Record<string, Record<string, number>>) : undefined;
  const skipped = isObject(value.skipped) && Object.values(value.skipped).every(isCount) ? (value.skipped as Record<string, number>) : undefined;
  return { ok: true, value: { groups, reasons, ...(rules === undefined ? {} : { rules }), ...(execution === undefined ? {} : { execution }), ...(skipped === undefined ? {} : { skipped }) } };
}

/** Executions per verdict over every group (or those matching `filter`); empty when nothing was executed. */
export function executionTotal(funnel: Funnel, filter: (task: string, language: string) => boolean = () => true): Record<string, number> {
  const total: Record<string, number> = {};
  for (const [key, verdicts] of Object.entries(funnel.execution ?? {})) {
    const [task = '', language = ''] = key.split('/');
    if (!filter(task, language)) continue;
    for (const [verdict, count] of Object.entries(verdicts)) total[verdict] = (total[verdict] ?? 0) + count;
  }
  return total;
}
