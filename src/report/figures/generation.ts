/** Figures 4 and 5: tasks of the generated samples, and the generation funnel. Pure. */
import { reasonLabel, topReasons, funnelTotal } from '../../store/funnel.js';
import { barChart } from '../charts/bar.js';
import { stackedBarChart } from '../charts/stacked-bar.js';
import { htmlTable } from '../charts/table.js';
import type { GenerateData, Section } from '../data.js';
import { drawn, skipped, type Figure } from '../figure.js';
import { formatCount, formatPercent } from '../svg.js';

/** Reasons listed in the funnel's table. */
const TOP_REASONS = 10;

/** The tasks figure (units and accepted samples per task), or a note when generate's output is missing. */
export function tasksFigure(section: Section<GenerateData>): Figure {
  const title = 'Generated samples per task';
  if (section.status === 'missing') return skipped('tasks', title, section.note);
  const tasks = Object.entries(section.data.tasks).sort((a, b) => b[1].units - a[1].units || a[0].localeCompare(b[0]));
  const svg = barChart({
    title,
    categories: tasks.map(([task]) => task),
    series: [
      { name: 'units run', values: tasks.map(([, t]) => t.units), color: '#56B4E9' },
      { name: 'accepted', values: tasks.map(([, t]) => t.accepted), color: '#009E73' },
    ],
    valueLabel: 'samples',
  });
  const caption = `${section.data.mode} mode: ${formatCount(section.data.accepted)} samples accepted of ${formatCount(section.data.accepted + section.data.rejected)} units finished.`;
  return drawn('tasks', title, svg, caption);
}

/**
 * The funnel figure: per task and language, units split into accepted, rejected by the
 * discriminator and pre-filtered; the top reject reasons; tokens and cost per task.
 */
export function funnelFigure(section: Section<GenerateData>): Figure {
  const title = 'Generation funnel';
  if (section.status === 'missing') return skipped('funnel', title, section.note);
  const { funnel, tokens, usd } = section.data;
  const groups = Object.entries(funnel.groups).sort((a, b) => a[0].localeCompare(b[0]));
  const svg = stackedBarChart({
    title,
    categories: groups.map(([key]) => key),
    segments: [
      { name: 'accepted', values: groups.map(([, g]) => g.accepted), color: '#009E73' },
      { name: 'rejected by the discriminator', values: groups.map(([, g]) => Math.max(0, g.units - g.accepted - g.prefiltered)), color: '#D55E00' },
      { name: 'pre-filtered (unreadable reply or failed precheck)', values: groups.map(([, g]) => g.prefiltered), color: '#E69F00' },
    ],
    valueLabel: 'units (task/language)',
  });
  const rejectedByTask = new Map<string, number>();
  for (const [key, g] of groups) {
    const task = key.split('/')[0] ?? '';
    rejectedByTask.set(task, (rejectedByTask.get(task) ?? 0) + g.units - g.accepted);
  }
  const reasons = htmlTable('reasons', [{ heading: 'task' }, { heading: 'reject reason' }, { heading: 'units', numeric: true }, { heading: 'of the task\'s rejections', numeric: true }],
    topReasons(funnel, TOP_REASONS).map((r) => [r.task, reasonLabel(funnel, r.task, r.code), formatCount(r.count), formatPercent(r.count / Math.max(1, rejectedByTask.get(r.task) ?? 0))]), 'no rejections');
  const tasks = [...new Set(groups.map(([key]) => key.split('/')[0] ?? ''))].sort();
  const costRows = [...tasks.map((task) => costRow(task, funnelTotal(funnel, (t) => t === task))), costRow('all', funnelTotal(funnel))];
  const cost = htmlTable('cost', [{ heading: 'task' }, { heading: 'units', numeric: true }, { heading: 'accepted', numeric: true }, { heading: 'accept rate', numeric: true }, { heading: 'tokens', numeric: true }, { heading: 'tokens / accepted', numeric: true }, { heading: 'USD', numeric: true }, { heading: 'USD / accepted', numeric: true }], costRows);
  const total = funnelTotal(funnel);
  const caption = [
    `${formatCount(total.units)} units: ${formatCount(total.accepted)} accepted (${formatPercent(total.accepted / Math.max(1, total.units))}).`,
    `${formatCount(tokens.prompt)} prompt and ${formatCount(tokens.completion)} completion tokens; cost ${usd === null ? 'unknown (a model has no price; pass --prices to generate)' : `$${usd.toFixed(4)} at list prices`}.`,
    'A rejected unit can give several reasons.',
  ].join(' ');
  return drawn('funnel', title, `${svg}<div class="tables"><div><h3>Top reject reasons</h3>${reasons}</div><div><h3>Tokens and cost</h3>${cost}</div></div>`, caption);
}

function costRow(task: string, counts: ReturnType<typeof funnelTotal>): string[] {
  const tokens = counts.promptTokens + counts.completionTokens;
  const perAccepted = (value: number) => (counts.accepted === 0 ? '-' : formatCount(value / counts.accepted));
  return [
    task, formatCount(counts.units), formatCount(counts.accepted), formatPercent(counts.accepted / Math.max(1, counts.units)), formatCount(tokens), perAccepted(tokens),
    counts.usd === null ? 'unknown' : `$${counts.usd.toFixed(4)}`, counts.usd === null || counts.accepted === 0 ? '-' : `$${(counts.usd / counts.accepted).toFixed(5)}`,
  ];
}
