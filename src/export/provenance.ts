/**
 * What the card says about the pipeline, from the stages' `manifest.json` files. Pure: parsed JSON in,
 * plain summaries out. Reading is lenient (a card should describe what it can) and redacting is strict:
 * anything that looks like a secret is left out, URLs lose their user info and query.
 */
import { dirname, isAbsolute, resolve } from 'node:path';

/** A stage manifest as the card uses it (only the fields it reads). */
export interface StageRecord {
  /** Folder the manifest was read from. */
  dir: string;
  stage: string;
  createdAt: string | null;
  toolVersion: string | null;
  parameters: Record<string, unknown>;
  counts: Record<string, unknown>;
  /** `inputs[].path`, as the stage recorded them. */
  inputs: string[];
  /** `outputs[].path`, as the stage recorded them. */
  outputs: string[];
}

function objectOf(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function paths(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry) => {
    const path = objectOf(entry)?.path;
    return typeof path === 'string' && path !== '' ? [path] : [];
  });
}

/**
 * Reads a parsed `manifest.json` leniently: it needs only a `stage` string; everything else defaults.
 * @returns the record, or what is wrong with it.
 */
export function parseStageManifest(value: unknown, dir: string): StageRecord | string {
  const manifest = objectOf(value);
  if (manifest === null) return 'not a JSON object';
  if (typeof manifest.stage !== 'string' || manifest.stage === '') return 'no "stage" field';
  const tool = objectOf(manifest.tool);
  return {
    dir,
    stage: manifest.stage,
    createdAt: typeof manifest.createdAt === 'string' ? manifest.createdAt : null,
    toolVersion: typeof tool?.version === 'string' ? tool.version : null,
    parameters: objectOf(manifest.parameters) ?? {},
    counts: objectOf(manifest.counts) ?? {},
    inputs: paths(manifest.inputs),
    outputs: paths(manifest.outputs),
  };
}

/**
 * Where a path recorded in the manifest in `manifestDir` may be now: stages record paths as they were
 * given (relative to the folder the command ran in), so a relative path is tried from `cwd` and then
 * from each folder above the manifest's. Absolute paths are taken as they are.
 */
export function candidatePaths(recorded: string, manifestDir: string, cwd: string): string[] {
  if (isAbsolute(recorded)) return [recorded];
  const candidates = [resolve(cwd, recorded)];
  for (let folder = resolve(manifestDir); ; folder = dirname(folder)) {
    candidates.push(resolve(folder, recorded));
    if (dirname(folder) === folder) break;
  }
  return [...new Set(candidates)];
}

/** Parameter names that may hold secrets: never shown. */
const SECRET_NAME = /api[-_]?key|secret|passw(or)?d|credential|authori[sz]ation|bearer|cookie|(^|[-_a-z])token$/i;

/** True when a parameter of this name is left out of the card. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** A URL without user info or query (both can carry credentials); other strings unchanged. */
export function redactUrl(text: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return text;
  try {
    const url = new URL(text);
    url.username = '';
    url.password = '';
    url.search = '';
    url.hash = '';
    return url.toString();
  } catch {
    return text;
  }
}

/** Longest value shown in the card before it is cut. */
const MAX_VALUE_CHARS = 160;

function cut(text: string): string {
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
}

function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  const object = objectOf(value);
  if (object !== null) return Object.fromEntries(Object.entries(object).filter(([name]) => !isSecretName(name)).map(([name, inner]) => [name, withoutSecrets(inner)]));
  return typeof value === 'string' ? redactUrl(value) : value;
}

/** A parameter value as one short line of text. */
export function valueText(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'string') return cut(redactUrl(value));
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value) && value.every((item) => item === null || ['string', 'number', 'boolean'].includes(typeof item))) {
    return cut(value.map((item) => (typeof item === 'string' ? redactUrl(item) : String(item))).join(', '));
  }
  return cut(JSON.stringify(withoutSecrets(value)));
}

/** A model as the card names it: the string, or an object's `name`. */
function modelText(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : redactUrl(value);
  const name = objectOf(value)?.name;
  if (typeof name === 'string') return name;
  return value === null || value === undefined ? null : valueText(value);
}

/** One pipeline stage as the card lists it. */
export interface StageSummary {
  stage: string;
  folder: string;
  createdAt: string | null;
  toolVersion: string | null;
  /** Parameters that name a model (`model`, `discriminatorModel`, ...). */
  models: [string, string][];
  /** The other parameters, secrets left out. */
  parameters: [string, string][];
  /** Top-level numeric counts. */
  counts: [string, string][];
}

/** Numeric counts shown per stage, at most. */
const MAX_COUNTS = 12;

/** The card's view of one stage. */
export function summarizeStage(record: StageRecord): StageSummary {
  const models: [string, string][] = [];
  const parameters: [string, string][] = [];
  for (const [name, value] of Object.entries(record.parameters)) {
    if (isSecretName(name)) continue;
    if (/model/i.test(name)) {
      const text = modelText(value);
      if (text !== null) models.push([name, text]);
    } else {
      parameters.push([name, valueText(value)]);
    }
  }
  const counts = Object.entries(record.counts)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number' && !isSecretName(entry[0]))
    .slice(0, MAX_COUNTS)
    .map(([name, value]): [string, string] => [name, String(value)]);
  return { stage: record.stage, folder: record.dir, createdAt: record.createdAt, toolVersion: record.toolVersion, models, parameters, counts };
}

/** What the card says about decontamination. */
export interface DecontamSummary {
  folder: string;
  /** Top-level numeric counts of the decontam manifest (kept, removed, ...). */
  counts: [string, number][];
  /** `counts.removedByBenchmark`, largest first; null when the manifest has none. */
  byBenchmark: [string, number][] | null;
  /** `counts.removedByDetector`, largest first; null when the manifest has none. */
  byDetector: [string, number][] | null;
  parameters: [string, string][];
}

function numberTable(value: unknown): [string, number][] | null {
  const object = objectOf(value);
  if (object === null) return null;
  return Object.entries(object)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

/** The card's view of a decontam manifest (read generically: whatever counts it has are shown). */
export function summarizeDecontam(record: StageRecord): DecontamSummary {
  const summary = summarizeStage(record);
  return {
    folder: record.dir,
    counts: Object.entries(record.counts).filter((entry): entry is [string, number] => typeof entry[1] === 'number'),
    byBenchmark: numberTable(record.counts.removedByBenchmark),
    byDetector: numberTable(record.counts.removedByDetector),
    parameters: [...summary.models, ...summary.parameters],
  };
}
