/** Figure 3: languages of the pairs, of the coreset and of the accepted samples. Pure. */
import { barChart, type BarSeries } from '../charts/bar.js';
import type { LanguageCounts, LanguageData, Section } from '../data.js';
import { drawn, skipped, type Figure } from '../figure.js';
import { formatCount, paletteColor } from '../svg.js';

const ID = 'languages';
const TITLE = 'Languages: pairs, coreset and generated samples';

/** The language figure, or a note when no stage output has languages. */
export function languagesFigure(section: Section<LanguageData>): Figure {
  if (section.status === 'missing') return skipped(ID, TITLE, section.note);
  const data = section.data;
  const sources: [string, LanguageCounts | null][] = [['pairs', data.pairs], ['coreset', data.coreset], ['generated (accepted)', data.generated]];
  const present = sources.filter((entry): entry is [string, LanguageCounts] => entry[1] !== null);
  // Languages in order of the first source's share, then any only the later sources have.
  const order = new Map<string, number>();
  for (const [, counts] of present) {
    for (const [language, count] of Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) if (!order.has(language)) order.set(language, count);
  }
  const categories = [...order.keys()];
  const series: BarSeries[] = [];
  const tooltips: string[][] = [];
  for (const [name, counts] of present) {
    const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
    series.push({ name: `${name} (${formatCount(total)})`, values: categories.map((language) => (total === 0 ? 0 : (counts[language] ?? 0) / total)), color: paletteColor(sources.findIndex(([source]) => source === name)) });
    tooltips.push(categories.map((language) => `${formatCount(counts[language] ?? 0)} of ${formatCount(total)}`));
  }
  const svg = barChart({ title: TITLE, categories, series, tooltips, valueLabel: 'share of rows', valueFormat: 'percent' });
  const caption = [
    `Share of each language in ${present.map(([name]) => name).join(', ')}; the totals are in the legend.`,
    ...(data.generated === null ? [] : ['Generated samples count under the language of the row they came from (a translation\'s target language aside).']),
    ...data.notes,
  ].join(' ');
  return drawn(ID, TITLE, svg, caption);
}
