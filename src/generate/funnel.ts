/**
 * The generation funnel: per task and language, how many units ran, how many replies could be read,
 * how many the prechecks and the discriminator rejected, how many were accepted; the reasons behind
 * rejections; tokens and cost per accepted sample. Pure and JSON-serialisable (it is checkpointed).
 * Its shape and the queries `report` shares live in `store/funnel.ts`; this is how `generate` fills it.
 */
import { executionTotal, funnelTotal, reasonLabel, topReasons, type Funnel, type FunnelCounts } from '../store/funnel.js';
import { EXECUTION_VERDICTS } from './execution.js';
import type { UnitOutcome } from './unit.js';

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
  const execution = outcome.execution ?? null;
  if (execution !== null) {
    const verdicts = ((funnel.execution ??= {})[key] ??= {});
    verdicts[execution.verdict] = (verdicts[execution.verdict] ?? 0) + 1;
    if (execution.skip !== null) {
      const skipped = (funnel.skipped ??= {});
      skipped[`${task}/${execution.skip}`] = (skipped[`${task}/${execution.skip}`] ?? 0) + 1;
    }
  }
  if (!outcome.accepted) {
    for (const code of new Set(outcome.reasons.map((reason) => reason.code))) funnel.reasons[`${task}/${code}`] = (funnel.reasons[`${task}/${code}`] ?? 0) + 1;
  }
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
  return [line(header), ...rows.map(line), ...executionLines(funnel), ...(reasons.length > 0 ? ['top reject reasons:', ...reasons] : [])].join('\n');
}

/** `executed: 40 (passed 31, failed 6, timeout 1, skipped 2: language_unsupported x2)`, or nothing when no sample was executed. */
function executionLines(funnel: Funnel): string[] {
  const total = executionTotal(funnel);
  const count = Object.values(total).reduce((sum, n) => sum + n, 0);
  if (count === 0) return [];
  const verdicts = EXECUTION_VERDICTS.filter((verdict) => (total[verdict] ?? 0) > 0).map((verdict) => `${verdict} ${total[verdict]}`);
  const skips = Object.entries(funnel.skipped ?? {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([key, n]) => `${key} x${n}`);
  return [`executed: ${count} (${verdicts.join(', ')})${skips.length > 0 ? `; skipped: ${skips.join(', ')}` : ''}`];
}

function row(task: string, language: string, counts: FunnelCounts): string[] {
  const rate = counts.units === 0 ? 0 : (100 * counts.accepted) / counts.units;
  const tokens = counts.accepted === 0 ? '-' : String(Math.round((counts.promptTokens + counts.completionTokens) / counts.accepted));
  const usdPer = counts.usd === null || counts.accepted === 0 ? '-' : (counts.usd / counts.accepted).toFixed(5);
  return [task, language, String(counts.units), String(counts.generated), String(counts.prefiltered), String(counts.judged), String(counts.accepted), rate.toFixed(1), tokens, usdPer];
}
