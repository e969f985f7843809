/** Figure 7: the decontam candidates' score distribution per benchmark and detector, the threshold drawn on it. Pure. */
import { histogramChart } from '../charts/histogram.js';
import type { DecontamScoresData, Section } from '../data.js';
import { drawn, skipped, type Figure } from '../figure.js';
import { escapeXml, formatCount } from '../svg.js';

const ID = 'decontam-scores';
const TITLE = 'Decontamination scores against the thresholds';

const DETECTOR_NAMES = { ngram: 'n-gram share', embedding: 'embedding cosine' } as const;

/** One histogram per benchmark and scored detector with candidates; those without any are named in a line. */
export function decontamScoresFigure(section: Section<DecontamScoresData>): Figure {
  if (section.status === 'missing') return skipped(ID, TITLE, section.note);
  const { histograms, candidateRecords } = section.data;
  const charts: string[] = [];
  const empty: string[] = [];
  for (const histogram of histograms) {
    const name = `${histogram.benchmark} / ${DETECTOR_NAMES[histogram.detector]}`;
    if (histogram.candidates === 0) {
      empty.push(name);
      continue;
    }
    charts.push(`<h3>${escapeXml(name)}: ${formatCount(histogram.candidates)} candidates, ${formatCount(histogram.atOrAbove)} at or above the threshold</h3>`, histogramChart({
      title: `${name}: candidate scores from the floor ${histogram.floor} to 1, threshold ${histogram.threshold}`,
      bins: histogram.bins,
      marker: { value: histogram.threshold, label: `threshold ${histogram.threshold}` },
      xLabel: `${DETECTOR_NAMES[histogram.detector]} (score)`,
      yLabel: 'candidates',
    }));
  }
  if (empty.length > 0) charts.push(`<p class="none">No candidates: ${escapeXml(empty.join(', '))}.</p>`);
  if (histograms.length === 0) charts.push('<p class="none">No scored detector ran (exact matches have no threshold).</p>');
  const caption = `Scores of every candidate match (record x benchmark problem) down to each detector's floor, from candidates.jsonl (${formatCount(candidateRecords)} records with a candidate), in bins of 0.05; bins at or above the threshold (dashed) in orange. Those remove their record; \`tidepool decontam --rethreshold\` moves the line without recomputing.`;
  return drawn(ID, TITLE, charts.join(''), caption);
}
