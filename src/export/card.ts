/**
 * The dataset card (`<out>.card.md`, a `README.md` in the Hugging Face dataset-card style: YAML front matter, then
 * markdown sections). Pure: a plain {@link CardData} object in, the card's text out.
 */
import type { ExportFormat, OutputLayout } from './formats.js';
import type { DecontamSummary, StageSummary } from './provenance.js';

/** How the export itself was run. */
export interface CardExport {
  format: ExportFormat;
  layout: OutputLayout;
  /** The data file, relative to the card's folder with `/` separators (what `configs` points at). */
  dataFile: string;
  /** The input file read, relative to the card's folder. */
  inputFile: string;
  /** `kept.jsonl` of a decontam folder, `instructions.jsonl` of a generate folder, or a file given directly. */
  inputKind: 'kept' | 'instructions' | 'file';
  withMetadata: boolean;
  system: string | null;
  /** Lines not exported, and the file they went to (null when there were none). */
  rejected: number;
  rejectsFile: string | null;
  /** Parquet only. */
  parquet: { codec: string; rowGroupRows: number } | null;
}

/** Source repositories of the exported records, from the pipeline's `pairs.arrow`. */
export interface CardSources {
  pairsFile: string;
  distinctRepos: number;
  /** Records whose source row was found in pairs.arrow. */
  matchedRecords: number;
  /** Records that name a source row at all. */
  recordsWithRow: number;
  /** Largest first, at most 20. */
  top: [string, number][];
}

/** Everything the card shows. */
export interface CardData {
  toolVersion: string;
  /** ISO date-time of the export. */
  createdAt: string;
  records: number;
  /** Records per task / language, largest first. */
  tasks: [string, number][];
  languages: [string, number][];
  /** Generator models named by the records' provenance (or the generate manifest), largest first. */
  generators: string[];
  export: CardExport;
  /** Pipeline stages, upstream first. */
  stages: StageSummary[];
  /** `done` with a summary, `no-manifest` (kept.jsonl without a manifest), or `none`. */
  decontam: { state: 'done'; summary: DecontamSummary } | { state: 'no-manifest' } | { state: 'none' };
  /** Null when no pairs.arrow could be found through the manifests. */
  sources: CardSources | null;
}

/** Hugging Face `size_categories` value for a row count. */
export function sizeCategory(rows: number): string {
  const steps: [number, string][] = [[1e3, '1K'], [1e4, '10K'], [1e5, '100K'], [1e6, '1M'], [1e7, '10M'], [1e8, '100M'], [1e9, '1B'], [1e10, '10B'], [1e11, '100B'], [1e12, '1T']];
  if (rows < 1e3) return 'n<1K';
  for (let i = 1; i < steps.length; i++) if (rows < steps[i]![0]) return `${steps[i - 1]![1]}<n<${steps[i]![1]}`;
  return 'n>1T';
}

/** A YAML scalar: JSON's double-quoted string is valid YAML. */
function yamlString(text: string): string {
  return JSON.stringify(text);
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text from the data (a language, a repository, a stage or benchmark name) as inert markdown: HTML
 * characters become entities (so `<script>` or `<img onerror>` is shown, never run, by renderers that
 * pass HTML through, as the Hub and GitHub do), backslashes, backticks and brackets are escaped (no code
 * span or link can start), and line breaks are flattened.
 */
export function inline(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/[&<>"']/g, (char) => HTML_ENTITIES[char] ?? char)
    .replace(/[`[\]]/g, (char) => `\\${char}`)
    .replace(/\r?\n|\r/g, ' ');
}

/** A markdown table cell: {@link inline} text with pipes escaped. */
export function cell(text: string): string {
  return inline(text).replace(/\|/g, '\\|');
}

/**
 * Inline code that survives backticks in the text: the fence is one backtick longer than the longest
 * run inside, so no run can close the span early and let the rest be read as HTML. Code spans show
 * their content literally, so nothing else needs escaping.
 */
function code(text: string): string {
  const flat = text.replace(/\r?\n|\r/g, ' ');
  let longest = 0;
  for (const run of flat.matchAll(/`+/g)) longest = Math.max(longest, run[0].length);
  const fence = '`'.repeat(longest + 1);
  const pad = longest > 0 || flat.startsWith(' ') || flat.endsWith(' ') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`;
}

function countTable(header: string, rows: [string, number][], total: number): string[] {
  if (rows.length === 0) return ['(no records)'];
  return [`| ${header} | records | share |`, '| --- | ---: | ---: |', ...rows.map(([name, count]) => `| ${cell(name)} | ${count} | ${percent(count, total)} |`)];
}

function keyValueList(pairs: [string, string][]): string[] {
  return pairs.map(([name, value]) => `- ${inline(name)}: ${code(value)}`);
}

function frontMatter(data: CardData): string[] {
  return [
    '---',
    'license: other',
    'task_categories:',
    '- text-generation',
    'language:',
    '- en',
    'tags:',
    '- code',
    '- instruction-tuning',
    '- synthetic',
    'size_categories:',
    `- ${sizeCategory(data.records)}`,
    'configs:',
    '- config_name: default',
    '  data_files:',
    '  - split: train',
    `    path: ${yamlString(data.export.dataFile)}`,
    '---',
  ];
}

const FORMAT_NAMES: Record<ExportFormat, string> = {
  alpaca: 'Alpaca (`instruction`, `input`, `output`)',
  sharegpt: 'ShareGPT (`conversations` of `human` and `gpt` turns)',
  messages: 'OpenAI chat fine-tuning (`messages` of `user` and `assistant` turns)',
  parquet: 'Parquet (columns `id`, `task`, `language`, `target_language`, `instruction`, `input`, `output`, `source_row_id`, `generator_model`)',
};

function summarySection(data: CardData): string[] {
  const layout = data.export.layout === 'array' ? ', one JSON array' : data.export.layout === 'lines' ? ', JSON Lines' : '';
  const lines = [
    '## Dataset summary',
    '',
    `${data.records} synthetic code instruction samples in ${FORMAT_NAMES[data.export.format]} format${layout}: ${code(data.export.dataFile)}.`,
  ];
  if (data.export.rejected > 0) {
    lines.push('', `${data.export.rejected} input line(s) could not be exported and are not in the data${data.export.rejectsFile === null ? '' : `; they are listed with file:line and reason in ${code(data.export.rejectsFile)}`}.`);
  }
  lines.push('', '### Records per task', '', ...countTable('task', data.tasks, data.records), '', '### Records per language', '', ...countTable('language', data.languages, data.records));
  return lines;
}

function stageLines(stage: StageSummary): string[] {
  const made = [stage.createdAt === null ? null : `written ${inline(stage.createdAt)}`, stage.toolVersion === null ? null : `tidepool ${inline(stage.toolVersion)}`].filter((part) => part !== null);
  const lines = [`### ${inline(stage.stage)}`, '', `Folder ${code(stage.folder)}${made.length > 0 ? ` (${made.join(', ')})` : ''}.`, ''];
  if (stage.models.length > 0) lines.push('Models:', '', ...keyValueList(stage.models), '');
  if (stage.parameters.length > 0) lines.push('Parameters:', '', ...keyValueList(stage.parameters), '');
  if (stage.counts.length > 0) lines.push('Counts:', '', ...keyValueList(stage.counts), '');
  return lines;
}

function madeSection(data: CardData): string[] {
  const lines = ['## How it was made', ''];
  if (data.stages.length === 0) {
    lines.push('No stage manifest (`manifest.json`) was found beside the input, so the pipeline that made it is not described here.', '');
  } else {
    lines.push(`Made with tidepool (${data.stages.map((stage) => inline(stage.stage)).join(' -> ')}), read from each stage's \`manifest.json\`; stages whose folders no longer exist are not listed.`, '');
    for (const stage of data.stages) lines.push(...stageLines(stage));
  }
  const generators = data.generators.length === 0 ? 'not recorded' : data.generators.map(code).join(', ');
  lines.push(`Generator model(s): ${generators}.`);
  return lines;
}

function decontamSection(data: CardData): string[] {
  const lines = ['## Decontamination', ''];
  if (data.decontam.state === 'none') {
    lines.push('Not decontaminated: these samples were not checked against benchmark test sets. Run `tidepool decontam` before evaluating a model trained on them on code benchmarks.');
    return lines;
  }
  if (data.decontam.state === 'no-manifest') {
    lines.push('The input is the `kept.jsonl` of a decontamination folder, but its `manifest.json` was not found, so which benchmarks were checked and how many samples were removed is not known.');
    return lines;
  }
  const summary = data.decontam.summary;
  lines.push(`Decontaminated by \`tidepool decontam\` (folder ${code(summary.folder)}).`, '');
  if (summary.counts.length > 0) lines.push(...keyValueList(summary.counts.map(([name, value]) => [name, String(value)])), '');
  if (summary.parameters.length > 0) lines.push('Parameters:', '', ...keyValueList(summary.parameters), '');
  const table = (title: string, header: string, rows: [string, number][] | null): void => {
    if (rows === null) return;
    lines.push(`### ${title}`, '', ...(rows.length === 0 ? ['(none)'] : [`| ${header} | removed |`, '| --- | ---: |', ...rows.map(([name, count]) => `| ${cell(name)} | ${count} |`)]), '');
  };
  table('Removed per benchmark', 'benchmark', summary.byBenchmark);
  table('Removed per detector', 'detector', summary.byDetector);
  while (lines.at(-1) === '') lines.pop();
  return lines;
}

function licenceSection(data: CardData): string[] {
  const generators = data.generators.length === 0 ? 'a language model' : data.generators.map(code).join(', ');
  const lines = [
    '## Licence notes',
    '',
    `The samples are synthetic: written by ${generators} from source code whose licences are those of the source repositories. ` +
      'Check the source dataset\'s licence and the model provider\'s terms of use before redistributing this data or training on it; the `license: other` above says only that no single licence is known.',
    '',
  ];
  const sources = data.sources;
  if (sources === null) {
    lines.push('The source pairs (`pairs.arrow`) were not found through the manifests, so the source repositories are not listed.');
    return lines;
  }
  const unmatched = sources.recordsWithRow - sources.matchedRecords;
  const missing = unmatched === 0 ? '' : unmatched === 1 ? '; 1 record names a source row that file does not have' : `; ${unmatched} records name source rows that file does not have`;
  lines.push(
    `${sources.distinctRepos} distinct source repositories among the exported records (source rows looked up in ${code(sources.pairsFile)}: found for ${sources.matchedRecords} of ${data.records} records${missing}).`,
    '',
  );
  if (sources.top.length > 0) {
    lines.push(`Top ${sources.top.length} by records:`, '', '| repository | records |', '| --- | ---: |', ...sources.top.map(([repo, count]) => `| ${cell(repo)} | ${count} |`));
  }
  return lines;
}

const INPUT_KIND_TEXT: Record<CardExport['inputKind'], string> = {
  kept: 'kept.jsonl of tidepool decontam',
  instructions: 'instructions.jsonl of tidepool generate',
  file: 'a file given directly',
};

function exportSection(data: CardData): string[] {
  const parameters: [string, string][] = [
    ['format', data.export.format],
    ['data file', data.export.dataFile],
    ['input', `${data.export.inputFile} (${INPUT_KIND_TEXT[data.export.inputKind]})`],
  ];
  if (data.export.format === 'alpaca' || data.export.format === 'sharegpt') parameters.push(['with metadata', String(data.export.withMetadata)]);
  if (data.export.system !== null) parameters.push(['system message', data.export.system]);
  if (data.export.parquet !== null) parameters.push(['parquet compression', data.export.parquet.codec], ['parquet row group rows', String(data.export.parquet.rowGroupRows)]);
  parameters.push(['rejected lines', String(data.export.rejected)], ['exported', data.createdAt]);
  return ['## Export', '', ...keyValueList(parameters), '', `Written by tidepool ${data.toolVersion}.`];
}

/** The card's text (ends with a newline). */
export function renderCard(data: CardData): string {
  const sections = [
    frontMatter(data).join('\n'),
    '# Synthetic code instruction data (tidepool)',
    summarySection(data).join('\n'),
    madeSection(data).join('\n'),
    decontamSection(data).join('\n'),
    licenceSection(data).join('\n'),
    exportSection(data).join('\n'),
  ];
  return `${sections.map((section) => section.replace(/\n+$/, '')).join('\n\n')}\n`;
}
