/**
 * What the report shows, as plain data: the shell reads the stage outputs into a {@link ReportData},
 * the pure figure builders and the page assembler turn it into HTML.
 */
import type { RemovedRecord } from '../store/decontam-candidates.js';
import type { Funnel } from '../store/funnel.js';
import type { ScoreHistogram } from '../store/score-histogram.js';
import type { RadiusPoint } from './coverage.js';

/** A part of the report: its data, or a note saying which stage output it needs. */
export type Section<T> = { status: 'ok'; data: T } | { status: 'missing'; note: string };

/** The coverage figure: greedy radius by k against random subsets of the same size. */
export interface CoverageData {
  /** Rows in coreset.arrow. */
  coresetSize: number;
  /** Covering radius of the first k picks, from coreset.arrow. */
  greedy: RadiusPoint[];
  /** Covering radius after the last pick (select's manifest), or null. */
  finalRadius: number | null;
  /** Covering radius of a random subset of the coreset's size, exact (select's manifest), or null. */
  selectBaseline: number | null;
  /** The random-subset curve measured here, or null with {@link baselineNote} saying why. */
  baseline: {
    points: RadiusPoint[];
    /** Points the radius was measured on (a sample when below `totalRows`). */
    pointsMeasured: number;
    totalRows: number;
    /** The work budget ran out before the largest k. */
    truncated: boolean;
  } | null;
  baselineNote: string | null;
}

/** A point of the 2-D map. */
export interface MapPoint {
  x: number;
  y: number;
  /** Language from pairs.arrow, or null when unknown. */
  language: string | null;
}

/** The 2-D map of the embeddings. */
export interface MapData {
  /** Sampled rows, projected. */
  points: MapPoint[];
  /** Coreset rows (the first picks), projected. */
  coreset: MapPoint[];
  /** Share of the variance along each of the two components (0..1). */
  explained: [number, number];
  /** Rows the PCA was fitted on. */
  fitRows: number;
  /** Rows in the embeddings. */
  totalRows: number;
  dim: number;
  /** Rows in coreset.arrow (0 without a select output). */
  coresetSize: number;
  /** Notes on what is left out (no coreset, no languages). */
  notes: string[];
}

/** Counts by language. */
export type LanguageCounts = Record<string, number>;

/** Languages of the pairs, of the coreset and of the accepted samples. */
export interface LanguageData {
  pairs: LanguageCounts | null;
  coreset: LanguageCounts | null;
  generated: LanguageCounts | null;
  notes: string[];
}

/** What the generate stage's manifest says. */
export interface GenerateData {
  mode: string;
  funnel: Funnel;
  /** Units and accepted samples per task. */
  tasks: Record<string, { units: number; accepted: number }>;
  /** Units and accepted samples per language. */
  languages: Record<string, { units: number; accepted: number }>;
  accepted: number;
  rejected: number;
  tokens: { prompt: number; completion: number };
  /** List-price USD; null when a model had no price. */
  usd: number | null;
}

/** What the decontam stage's manifest says. */
export interface DecontamData {
  records: number | null;
  kept: number | null;
  removed: number | null;
  removedByBenchmark: Record<string, number>;
  removedByDetector: Record<string, number>;
}

/** The decontam candidates' score distribution (candidates.jsonl), per benchmark and scored detector. */
export interface DecontamScoresData {
  /** One per benchmark file and scored detector that ran, with its floor and threshold. */
  histograms: ScoreHistogram[];
  /** Records with at least one candidate. */
  candidateRecords: number;
}

/** Removed records with what matched them (removed.jsonl), the first {@link limit}. */
export interface DecontamEvidenceData {
  records: RemovedRecord[];
  /** Removed records in the file. */
  total: number;
  /** Most records shown (`--evidence`). */
  limit: number;
}

/** A stage folder the report read (or looked for). */
export interface ReportInput {
  stage: string;
  /** The folder or file, or null when none was given. */
  path: string | null;
  /** Whether it exists. */
  found: boolean;
}

/** The page header. */
export interface ReportHeader {
  toolVersion: string;
  /** ISO 8601. */
  createdAt: string;
  inputs: ReportInput[];
  seed: number;
  sample: number;
}

/** Key numbers shown at the top of the page (null: unknown). */
export interface KeyNumbers {
  pairs: number | null;
  embedded: number | null;
  coresetSize: number | null;
  coveringRadius: number | null;
  randomRadius: number | null;
  accepted: number | null;
  decontamRemoved: number | null;
}

/** Everything the page shows. */
export interface ReportData {
  header: ReportHeader;
  numbers: KeyNumbers;
  coverage: Section<CoverageData>;
  map: Section<MapData>;
  languages: Section<LanguageData>;
  generate: Section<GenerateData>;
  decontam: Section<DecontamData>;
  decontamScores: Section<DecontamScoresData>;
  decontamEvidence: Section<DecontamEvidenceData>;
}
