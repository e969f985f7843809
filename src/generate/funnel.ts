/**
 * The generation funnel: per task and language, how many units ran, how many replies could be read,
 * how many the prechecks and the discriminator rejected, how many were accepted; the reasons behind
 * rejections; tokens and cost per accepted sample. Pure and JSON-serialisable (it is checkpointed).
 */
import type { UnitOutcome } from './unit.js';

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
}

/** An empty funnel. */
export function emptyFunnel(): Funnel {
  return { groups: {}, reasons: {} };
}

/** Adds one finished unit. */
export function addToFunnel(funnel: Funnel, task: string, language: string, outcome: UnitOutcome): void {
  const key = `${task}/${language}`;
  const counts = (funnel.groups[key] ??= { units: 0, generated: 0, prefiltered: 0, judged: 0, accepted: 0, promptTokens: 0, completionTokens: 0, usd: 0 });
  counts.units++;
  if (outcome.sample !== null) counts.generated++;
  if (outcome.stage === 'generator' || outcome.stage === 'precheck') counts.prefiltered++;
  if (outcome.rules !== null || outcome.stage === 'discriminator') counts.judged++;
  if (outcome.accepted) counts.accepted++;
  counts.promptTokens += outcome.tokens.prompt;
  counts.completionTokens += outcome.tokens.completion;
  counts.usd = counts.usd === null || outcome.usd === null ? null : counts.usd + outcome.usd;
  if (!outcome.accepted) {
    for (const code of new Set(outcome.reasons.map((reason) => reason.code))) funnel.reasons[`${task}/${code}`] = (funnel.reasons[`${task}/${code}`] ?? 0) + 1;
  }
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

/** Characters a rule's name keeps (before the ellipsis). */
const RULE_NAME_CHARS = 72;

/**
 * A discriminator rule line as a short name: placeholders as `<language>`, lower-case start, no final
 * period, cut at a word boundary with an ellipsis past {@link RULE_NAME_CHARS} characters.
 */
export function shortRule(text: string): string {
  let name = text.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (_match, placeholder: string) => `<${placeholder.replaceAll('_', ' ')}>`).trim().replace(/\.$/, '');
  if (/^[A-Z][a-z]/.test(name)) name = name[0]!.toLowerCase() + name.slice(1);
  if (name.length <= RULE_NAME_CHARS) return name;
  const cut = name.slice(0, RULE_NAME_CHARS + 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > RULE_NAME_CHARS / 2 ? cut.slice(0, space) : cut.slice(0, RULE_NAME_CHARS)).replace(/[\s,;:]+$/, '')}…`;
}

/** `code`, followed by what it means when the funnel names it: `rule_3 (the output is <language> code…)`. */
export function reasonLabel(funnel: Funnel, task: string, code: string): string {
  const name = funnel.rules?.[`${task}/${code}`];
  return name === undefined ? code : `${code} (${name})`;
}

/** A plain-text table of the funnel per task and language, with the top reasons per task. */
export function formatFunnel(funnel: Funnel): string {
  const header = ['task', 'language', 'units', 'generated', 'pre-filtered', 'judged', 'accepted', 'accept %', 'tokens/accepted', 'USD/accepted'];
  const rows: string[][] = [];
  for (const key of Object.keys(funnel.groups).sort()) {
    const [task = '', language = ''] = key.split('/');
    rows.push(row(task, language, funnel.groups[key]!));
  }
  rows.push(row('all', '', funnelTotal(funnel)));
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((cells) => cells[column]!.length)));
  const line = (cells: readonly string[]): string => cells.map((cell, column) => (column < 2 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  const tasks = [...new Set(Object.keys(funnel.groups).map((key) => key.split('/')[0]!))].sort();
  const reasons = tasks.map((task) => {
    const top = topReasons(funnel, 3, task);
    return top.length === 0 ? '' : `  ${task}: ${top.map((entry) => `${reasonLabel(funnel, task, entry.code)} x${entry.count}`).join(', ')}`;
  }).filter((text) => text !== '');
  return [line(header), ...rows.map(line), ...(reasons.length > 0 ? ['top reject reasons:', ...reasons] : [])].join('\n');
}

function row(task: string, language: string, counts: FunnelCounts): string[] {
  const rate = counts.units === 0 ? 0 : (100 * counts.accepted) / counts.units;
  const tokens = counts.accepted === 0 ? '-' : String(Math.round((counts.promptTokens + counts.completionTokens) / counts.accepted));
  const usdPer = counts.usd === null || counts.accepted === 0 ? '-' : (counts.usd / counts.accepted).toFixed(5);
  return [task, language, String(counts.units), String(counts.generated), String(counts.prefiltered), String(counts.judged), String(counts.accepted), rate.toFixed(1), tokens, usdPer];
}
