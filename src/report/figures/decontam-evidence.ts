/**
 * Figure 8: evidence a person can check, for the first removed records: per record its benchmark
 * problems, detectors and scores, and for the best match of each detector the record's text and the
 * benchmark's side by side with the matching parts marked. Every text comes from records and
 * benchmarks, so hostile markup included: all of it is escaped. Pure.
 */
import type { EvidenceText, MatchEvidence, RemovedRecord } from '../../store/decontam-candidates.js';
import type { DecontamEvidenceData, Section } from '../data.js';
import { drawn, skipped, type Figure } from '../figure.js';
import { escapeXml, formatCount } from '../svg.js';

const ID = 'decontam-evidence';
const TITLE = 'Decontamination evidence';

/** `text` escaped, its `spans` (ascending, disjoint, inside it) wrapped in `<mark>`. */
export function highlighted(text: string, spans: readonly (readonly [number, number])[]): string {
  const parts: string[] = [];
  let at = 0;
  for (const [start, end] of spans) {
    if (start < at || end > text.length) continue; // not as the file's reader guarantees: left unmarked
    parts.push(escapeXml(text.slice(at, start)), `<mark>${escapeXml(text.slice(start, end))}</mark>`);
    at = end;
  }
  parts.push(escapeXml(text.slice(at)));
  return parts.join('');
}

/** One side of a match: a heading, and the text (an excerpt marked as such) with its matching parts. */
function pane(heading: string, side: EvidenceText): string {
  const cutBefore = side.from > 0 ? '<span class="cut">… </span>' : '';
  const cutAfter = side.from + side.text.length < side.length ? '<span class="cut"> …</span>' : '';
  const excerptNote = cutBefore === '' && cutAfter === '' ? '' : ` (characters ${formatCount(side.from)}-${formatCount(side.from + side.text.length)} of ${formatCount(side.length)})`;
  return `<div class="pane"><h4>${escapeXml(heading)}${escapeXml(excerptNote)}</h4><pre>${cutBefore}${highlighted(side.text, side.spans)}${cutAfter}</pre></div>`;
}

function sideBySide(benchmark: string, detector: string, match: MatchEvidence): string {
  const what = detector === 'embedding' ? 'whole texts compared' : `${match.record.spans.length} matching part${match.record.spans.length === 1 ? '' : 's'} marked`;
  return `<div class="match" data-detector="${escapeXml(detector)}"><p class="match-head">${escapeXml(`${detector}: ${benchmark} (${match.item.path}:${match.item.line}), ${what}`)}</p><div class="side-by-side">${pane('record', match.record)}${pane(benchmark, match.benchmark)}</div></div>`;
}

function recordHtml(record: RemovedRecord): string {
  const rows = record.entries.map((entry) => `<tr><td>${escapeXml(entry.benchmark)}</td><td>${escapeXml(entry.detector)}</td><td class="num">${escapeXml(String(entry.score))}</td></tr>`);
  const matches = record.entries.filter((entry) => entry.match !== undefined).map((entry) => sideBySide(entry.benchmark, entry.detector, entry.match!));
  // A file from before evidence was recorded: its short excerpt is all there is.
  const fallback = matches.length > 0 || record.entries[0] === undefined ? '' : `<p class="none">No matching spans recorded (an older decontam output: rerun tidepool decontam). Excerpt:</p><pre>${escapeXml(record.entries[0].evidence)}</pre>`;
  return `<section class="evidence-record"><h3>${escapeXml(record.label)}</h3><table><thead><tr><th>benchmark problem</th><th>detector</th><th class="num">score</th></tr></thead><tbody>${rows.join('')}</tbody></table>${matches.join('')}${fallback}</section>`;
}

/** The evidence figure: the first removed records with their matches, and how many more there are. */
export function decontamEvidenceFigure(section: Section<DecontamEvidenceData>): Figure {
  if (section.status === 'missing') return skipped(ID, TITLE, section.note);
  const { records, total, limit } = section.data;
  const rest = total - records.length;
  const body = records.length === 0 ? '<p class="none">No record was removed.</p>' : `${records.map(recordHtml).join('')}${rest > 0 ? `<p class="more">… and ${formatCount(rest)} more removed records in removed.jsonl (raise --evidence, now ${formatCount(limit)}, to show more).</p>` : ''}`;
  const caption = `The first ${formatCount(records.length)} of ${formatCount(total)} removed records: each benchmark problem that matched, by which detector and with what score (exact: shared run over the piece; n-gram: share of the problem's canonical n-grams; embedding: cosine), and for the best match of each detector the record's text beside the benchmark's with the matching parts marked (exact: the shared run; n-gram: the shared canonical n-grams, so renamed identifiers are marked too).`;
  return drawn(ID, TITLE, body, caption);
}
