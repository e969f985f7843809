/**
 * The report's input shell: finds the stage outputs, reads what each figure needs and turns it into
 * {@link ReportData}. A missing or unreadable input becomes a note on its figure, never a crash
 * (errors that are bugs still propagate).
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TidepoolError } from '../errors.js';
import { readArrowBatches } from '../store/arrow-file.js';
import { readManifest, MANIFEST_FILE, type Manifest } from '../store/manifest.js';
import { assertInputsMatch } from './inputs-match.js';
import { TOOL_VERSION } from '../version.js';
import { baselineKs, greedyCurve, randomCoverageRadii } from './coverage.js';
import type { CoverageData, DecontamData, DecontamEvidenceData, DecontamScoresData, GenerateData, KeyNumbers, LanguageData, MapData, MapPoint, ReportData, Section } from './data.js';
import { countField, parseDecontamCounts, parseGenerateCounts } from './manifest-counts.js';
import { REPORT_STAGES, type ReportStage, type ResolvedReportOptions } from './options.js';
import { fitPca, project } from './pca.js';
import { scanEmbeddings, type EmbeddingScan } from './scan-embeddings.js';
import { scanPairs, type PairsScan } from './scan-pairs.js';
import { recordedScores, scanCandidates, scanRemoved } from './scan-decontam.js';

/** Coreset rows highlighted on the map (the first picks). */
export const MAX_HIGHLIGHT = 1000;
/** Sampled rows drawn on the map. */
export const MAP_POINTS = 4000;
/** Memory for the random baseline's centers. */
const CENTER_BYTES = 256 * 1024 * 1024;
/** Point-dimension products the random baseline may spend (a few seconds of one core at worst). */
const BASELINE_WORK = 2e9;
/** Multiply-adds the covariance of the PCA may spend: bounds its rows for wide embeddings. */
const PCA_WORK = 4e8;

/** Seconds each part of the reading took. */
export type CollectTimings = Record<'select' | 'embeddings' | 'pca' | 'baseline' | 'pairs' | 'manifests' | 'decontam', number>;

/** Reads every input the options name. */
export async function collectReportData(options: ResolvedReportOptions): Promise<{ data: ReportData; timings: CollectTimings }> {
  const timings: CollectTimings = { select: 0, embeddings: 0, pca: 0, baseline: 0, pairs: 0, manifests: 0, decontam: 0 };
  const timed = async <T>(part: keyof CollectTimings, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      timings[part] += (performance.now() - started) / 1000;
    }
  };
  const stages = options.stages;
  const pairsFile = locate(stages.ingest, 'pairs.arrow');
  const embeddingsFile = locate(stages.embed, 'embeddings.arrow');
  const coresetFile = locate(stages.select, 'coreset.arrow');
  await assertInputsMatch({ pairs: pairsFile, embeddings: embeddingsFile, coreset: coresetFile });
  const [ingestManifest, selectManifest, generateManifest, decontamManifest] = await timed('manifests', () => Promise.all([
    manifestOf(stages.ingest), manifestOf(coresetFile ?? stages.select), manifestOf(stages.generate), manifestOf(stages.decontam),
  ]));

  const coreset = coresetFile === null ? null : await timed('select', () => attempt(() => readCoreset(coresetFile)));
  const coresetIds = coreset?.ok === true ? coreset.value.rowIds : [];
  const scan = embeddingsFile === null ? null : await timed('embeddings', () => attempt(() => scanEmbeddings({
    path: embeddingsFile, sampleSize: options.sample, seed: options.seed,
    centerCount: (dim) => Math.min(coresetIds.length, Math.floor(CENTER_BYTES / (4 * dim))),
    highlight: coresetIds.slice(0, MAX_HIGHLIGHT),
  })));
  const embedded = scan?.ok === true ? scan.value : null;
  const projected = embedded === null ? null : await timed('pca', () => Promise.resolve(projectSample(embedded, options.seed)));
  const baseline = embedded === null || coresetIds.length === 0 ? null : await timed('baseline', () => Promise.resolve(measureBaseline(embedded, coresetIds.length)));
  const lookUp = new Set<number>([...(projected?.rowIds ?? []), ...(embedded?.highlighted.rowIds ?? [])]);
  const pairs = pairsFile === null ? null : await timed('pairs', () => attempt(() => scanPairs(pairsFile, new Set(coresetIds), lookUp)));
  const pairsScan = pairs?.ok === true ? pairs.value : null;

  const generate = generateSection(stages, generateManifest);
  const coverage = coverageSection(stages, coresetFile, coreset, selectManifest, embeddingsFile, scan, baseline);
  const map = mapSection(stages, embeddingsFile, scan, projected, coresetIds.length, coresetFile !== null, pairsScan, pairsFile, pairs);
  const languages = languageSection(stages, pairsFile, pairs, coresetIds.length > 0, generate);
  const decontam = decontamSection(stages, decontamManifest);
  const { scores: decontamScores, evidence: decontamEvidence } = await timed('decontam', () => decontamDetails(stages, decontamManifest, options.evidence));
  const numbers: KeyNumbers = {
    pairs: pairsScan?.rows ?? countField(countsOf(ingestManifest), 'kept'),
    embedded: embedded?.rows ?? null,
    coresetSize: coreset?.ok === true ? coreset.value.rowIds.length : null,
    coveringRadius: countField(countsOf(selectManifest), 'radius'),
    randomRadius: countField(countsOf(selectManifest), 'randomBaselineRadius'),
    accepted: generate.status === 'ok' ? generate.data.accepted : null,
    decontamRemoved: decontam.status === 'ok' ? decontam.data.removed : null,
  };
  const header = {
    toolVersion: TOOL_VERSION, createdAt: options.now.toISOString(), seed: options.seed, sample: options.sample,
    inputs: REPORT_STAGES.map((stage) => ({ stage, path: stages[stage], found: stages[stage] !== null && existsSync(stages[stage]) })),
  };
  return { data: { header, numbers, coverage, map, languages, generate, decontam, decontamScores, decontamEvidence }, timings };
}

/** A value, or the TidepoolError that stopped reading it. */
type Attempt<T> = { ok: true; value: T } | { ok: false; error: TidepoolError };

async function attempt<T>(work: () => Promise<T>): Promise<Attempt<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    if (error instanceof TidepoolError && error.code !== 'E_INTERNAL') return { ok: false, error };
    throw error;
  }
}

/** The file a stage path stands for: the path itself when it is a file, `dir/name` when that exists, else null. */
function locate(path: string | null, name: string): string | null {
  if (path === null || !existsSync(path)) return null;
  if (!statSync(path).isDirectory()) return path;
  const inside = join(path, name);
  return existsSync(inside) ? inside : null;
}

/** A stage's manifest: read, absent (null), or unreadable (why). */
type ManifestRead = Manifest | null | { problem: string };

/** The manifest beside a stage's output (a folder, or a file in one). */
async function manifestOf(path: string | null): Promise<ManifestRead> {
  if (path === null || !existsSync(path)) return null;
  const dir = statSync(path).isDirectory() ? path : dirname(path);
  if (!existsSync(join(dir, MANIFEST_FILE))) return null;
  const read = await attempt(() => readManifest(dir));
  return read.ok ? read.value : { problem: read.error.message };
}

/** The manifest's `counts`, when it was read. */
function countsOf(read: ManifestRead): unknown {
  return read === null || 'problem' in read ? undefined : read.counts;
}

/** What a figure needs from a stage and where it was looked for, for the notes. */
function whereNote(stage: ReportStage, stages: Record<ReportStage, string | null>, file: string): string {
  const path = stages[stage];
  return path === null
    ? `needs ${file} from \`tidepool ${stage}\` (pass --${stage} DIR, or --work DIR with ${stage}/ inside)`
    : `needs ${file} from \`tidepool ${stage}\` (none found at ${path})`;
}

/** A {@link whereNote} with a plural subject ("they need ..."). */
const plural = (note: string) => note.replace(/^needs /, 'need ');

const capitalized = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;

async function readCoreset(path: string): Promise<{ rowIds: number[]; radii: (number | null)[] }> {
  const rowIds: number[] = [];
  const radii: (number | null)[] = [];
  for await (const batch of readArrowBatches(path)) {
    const ids = batch.getChild('row_id');
    const radius = batch.getChild('radius');
    if (ids === null || radius === null) throw new TidepoolError('E_SCHEMA', `${path} has no "row_id" and "radius" columns; pass a coreset.arrow written by \`tidepool select\``, { path });
    for (const id of ids.toArray() as Iterable<number | bigint>) rowIds.push(Number(id));
    for (let i = 0; i < radius.length; i++) {
      const value = radius.get(i) as number | null;
      radii.push(value);
    }
  }
  return { rowIds, radii };
}

interface Projection {
  rowIds: number[];
  points: Float64Array;
  coreset: Float64Array;
  explained: [number, number];
  fitRows: number;
}

/** PCA of the sample (fitted on its first rows), the map's rows and the highlighted rows projected. */
function projectSample(scan: EmbeddingScan, seed: number): Projection {
  const { sample, dim } = scan;
  const fitRows = Math.min(sample.count, Math.max(1000, Math.floor(PCA_WORK / ((dim * dim) / 2))));
  const pca = fitPca(sample.vectors.subarray(0, fitRows * dim), fitRows, dim, { seed });
  const shown = Math.min(sample.count, MAP_POINTS);
  const share = (i: number) => (pca.totalVariance > 0 ? (pca.variances[i] ?? 0) / pca.totalVariance : 0);
  return {
    rowIds: Array.from(sample.rowIds.subarray(0, shown)),
    points: project(pca, sample.vectors.subarray(0, shown * dim), shown),
    coreset: project(pca, scan.highlighted.vectors, scan.highlighted.rowIds.length),
    explained: [share(0), share(1)],
    fitRows,
  };
}

function measureBaseline(scan: EmbeddingScan, coresetSize: number): NonNullable<CoverageData['baseline']> {
  const maxK = Math.min(coresetSize, scan.centers.count);
  const measured = randomCoverageRadii(scan.sample.vectors, scan.sample.count, scan.centers.vectors, scan.dim, baselineKs(maxK), BASELINE_WORK);
  return { points: measured.points, pointsMeasured: scan.sample.count, totalRows: scan.rows, truncated: measured.truncated || maxK < coresetSize };
}

function coverageSection(
  stages: Record<ReportStage, string | null>, coresetFile: string | null, coreset: Attempt<{ rowIds: number[]; radii: (number | null)[] }> | null,
  manifest: ManifestRead, embeddingsFile: string | null, scan: Attempt<EmbeddingScan> | null, baseline: CoverageData['baseline'],
): Section<CoverageData> {
  if (coresetFile === null || coreset === null) return { status: 'missing', note: capitalized(whereNote('select', stages, 'coreset.arrow')) };
  if (!coreset.ok) return { status: 'missing', note: `Cannot read ${coresetFile}: ${coreset.error.message}` };
  const baselineNote = baseline !== null ? null
    : embeddingsFile === null ? `No random baseline curve: it ${whereNote('embed', stages, 'embeddings.arrow')}.`
    : scan !== null && !scan.ok ? `No random baseline curve: cannot read ${embeddingsFile}: ${scan.error.message}`
    : null;
  return {
    status: 'ok',
    data: {
      coresetSize: coreset.value.rowIds.length,
      greedy: greedyCurve(coreset.value.radii),
      finalRadius: countField(countsOf(manifest), 'radius'),
      selectBaseline: countField(countsOf(manifest), 'randomBaselineRadius'),
      baseline, baselineNote,
    },
  };
}

function mapSection(
  stages: Record<ReportStage, string | null>, embeddingsFile: string | null, scan: Attempt<EmbeddingScan> | null, projected: Projection | null,
  coresetSize: number, hasCoreset: boolean, pairs: PairsScan | null, pairsFile: string | null, pairsAttempt: Attempt<PairsScan> | null,
): Section<MapData> {
  if (embeddingsFile === null || scan === null) return { status: 'missing', note: capitalized(whereNote('embed', stages, 'embeddings.arrow (or a .npy file)')) };
  if (!scan.ok || projected === null) return { status: 'missing', note: `Cannot read ${embeddingsFile}: ${scan.ok ? 'no rows' : scan.error.message}` };
  const languageOf = (rowId: number) => pairs?.lookup.get(rowId) ?? null;
  const points: MapPoint[] = projected.rowIds.map((rowId, i) => ({ x: projected.points[2 * i]!, y: projected.points[2 * i + 1]!, language: languageOf(rowId) }));
  const coreset: MapPoint[] = scan.value.highlighted.rowIds.map((rowId, i) => ({ x: projected.coreset[2 * i]!, y: projected.coreset[2 * i + 1]!, language: languageOf(rowId) }));
  const notes: string[] = [];
  if (!hasCoreset) notes.push(`No coreset highlighted: it ${whereNote('select', stages, 'coreset.arrow')}.`);
  if (pairs === null) {
    notes.push(pairsFile === null ? `Not coloured by language: it ${whereNote('ingest', stages, 'pairs.arrow')}.` : `Not coloured by language: cannot read ${pairsFile}${pairsAttempt?.ok === false ? `: ${pairsAttempt.error.message}` : ''}`);
  }
  return { status: 'ok', data: { points, coreset, explained: projected.explained, fitRows: projected.fitRows, totalRows: scan.value.rows, dim: scan.value.dim, coresetSize, notes } };
}

function languageSection(stages: Record<ReportStage, string | null>, pairsFile: string | null, pairs: Attempt<PairsScan> | null, hasCoreset: boolean, generate: Section<GenerateData>): Section<LanguageData> {
  const scan = pairs?.ok === true ? pairs.value : null;
  const generated = generate.status === 'ok' ? Object.fromEntries(Object.entries(generate.data.languages).map(([language, counts]) => [language, counts.accepted])) : null;
  if (scan === null && generated === null) {
    if (pairs?.ok === false) return { status: 'missing', note: `Cannot read ${pairsFile ?? 'pairs.arrow'}: ${pairs.error.message}` };
    return { status: 'missing', note: capitalized(`${whereNote('ingest', stages, 'pairs.arrow')}, or ${whereNote('generate', stages, 'manifest.json').replace(/^needs /, '')}`) };
  }
  const notes: string[] = [];
  if (scan === null) notes.push(`Pairs and coreset not shown: ${pairs?.ok === false ? `cannot read ${pairsFile ?? 'pairs.arrow'}: ${pairs.error.message}` : `they ${plural(whereNote('ingest', stages, 'pairs.arrow'))}.`}`);
  else if (!hasCoreset) notes.push(`Coreset not shown: it ${whereNote('select', stages, 'coreset.arrow')}.`);
  if (generated === null) notes.push(`Generated samples not shown: they ${plural(whereNote('generate', stages, 'manifest.json'))}.`);
  return { status: 'ok', data: { pairs: scan?.languages ?? null, coreset: scan !== null && hasCoreset ? scan.coresetLanguages : null, generated, notes } };
}

function generateSection(stages: Record<ReportStage, string | null>, manifest: ManifestRead): Section<GenerateData> {
  if (manifest === null) return { status: 'missing', note: capitalized(whereNote('generate', stages, 'manifest.json')) };
  if ('problem' in manifest) return { status: 'missing', note: `Cannot use the generate output: ${manifest.problem}` };
  const parsed = parseGenerateCounts(manifest.counts);
  return parsed.ok ? { status: 'ok', data: parsed.value } : { status: 'missing', note: `Cannot use the generate output in ${stages.generate ?? '?'}: ${parsed.problem}.` };
}

function decontamSection(stages: Record<ReportStage, string | null>, manifest: ManifestRead): Section<DecontamData> {
  if (manifest === null) return { status: 'missing', note: `No decontamination run: the figure ${whereNote('decontam', stages, 'manifest.json')}.` };
  if ('problem' in manifest) return { status: 'missing', note: `Cannot use the decontam output: ${manifest.problem}` };
  const parsed = parseDecontamCounts(manifest.counts);
  return parsed.ok ? { status: 'ok', data: parsed.value } : { status: 'missing', note: `Cannot use the decontam output in ${stages.decontam ?? '?'}: ${parsed.problem}.` };
}

/** The decontam figures beyond the counts: the candidates' score histograms and the removed records' evidence. */
async function decontamDetails(stages: Record<ReportStage, string | null>, manifest: ManifestRead, limit: number): Promise<{ scores: Section<DecontamScoresData>; evidence: Section<DecontamEvidenceData> }> {
  const path = stages.decontam;
  if (manifest === null || path === null) {
    const note = `No decontamination run: the figure ${whereNote('decontam', stages, 'manifest.json')}.`;
    return { scores: { status: 'missing', note }, evidence: { status: 'missing', note } };
  }
  if ('problem' in manifest) {
    const note = `Cannot use the decontam output: ${manifest.problem}`;
    return { scores: { status: 'missing', note }, evidence: { status: 'missing', note } };
  }
  const dir = statSync(path).isDirectory() ? path : dirname(path);
  const section = <T>(read: Attempt<T | { problem: string }>): Section<T> => {
    if (!read.ok) return { status: 'missing', note: `Cannot use the decontam output in ${dir}: ${read.error.message}` };
    const value = read.value;
    return isProblem(value) ? { status: 'missing', note: `Cannot use the decontam output in ${dir}: ${value.problem}.` } : { status: 'ok', data: value };
  };
  const recorded = recordedScores(manifest);
  const scores: Section<DecontamScoresData> = 'problem' in recorded
    ? { status: 'missing', note: `Cannot draw the score histograms of ${dir}: ${recorded.problem}.` }
    : section(await attempt(() => scanCandidates(dir, recorded)));
  const evidence: Section<DecontamEvidenceData> = limit === 0
    ? { status: 'missing', note: 'No evidence shown: --evidence is 0.' }
    : section(await attempt(() => scanRemoved(dir, limit)));
  return { scores, evidence };
}

const isProblem = (value: unknown): value is { problem: string } => typeof value === 'object' && value !== null && 'problem' in value;
