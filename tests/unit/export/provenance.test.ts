import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { candidatePaths, isSecretName, parseStageManifest, redactUrl, summarizeDecontam, summarizeStage, valueText, type StageRecord } from '../../../src/export/provenance.js';

function stage(parameters: Record<string, unknown>, counts: Record<string, unknown> = {}): StageRecord {
  return { dir: '/w/generate', stage: 'generate', createdAt: null, toolVersion: null, parameters, counts, inputs: [], outputs: [] };
}

describe('parseStageManifest', () => {
  it('reads stage, tool version, parameters and the paths of inputs and outputs', () => {
    const record = parseStageManifest({ stage: 'select', tool: { name: 'tidepool', version: '0.1.0' }, createdAt: 'now', parameters: { k: 5 }, inputs: [{ path: 'a/embeddings.arrow' }, { nope: 1 }], outputs: [{ path: 'b' }] }, '/x');
    expect(record).toEqual({ dir: '/x', stage: 'select', createdAt: 'now', toolVersion: '0.1.0', parameters: { k: 5 }, counts: {}, inputs: ['a/embeddings.arrow'], outputs: ['b'] });
  });

  it('says what is wrong with a non-manifest', () => {
    expect(parseStageManifest([], '/x')).toBe('not a JSON object');
    expect(parseStageManifest({ inputs: [] }, '/x')).toBe('no "stage" field');
  });
});

describe('candidatePaths', () => {
  it('tries a relative path from cwd, then from each folder above the manifest', () => {
    expect(candidatePaths('work/ingest/pairs.arrow', '/data/work/generate', '/home/me')).toEqual([
      resolve('/home/me/work/ingest/pairs.arrow'), resolve('/data/work/generate/work/ingest/pairs.arrow'), resolve('/data/work/work/ingest/pairs.arrow'),
      resolve('/data/work/ingest/pairs.arrow'), resolve('/work/ingest/pairs.arrow'),
    ]);
    expect(candidatePaths('/abs/pairs.arrow', '/x', '/y')).toEqual(['/abs/pairs.arrow']);
  });
});

describe('redaction', () => {
  it.each(['apiKey', 'api_key', 'OPENAI_API_KEY', 'secret', 'password', 'hfToken', 'authorization'])('%s is a secret name', (name) => {
    expect(isSecretName(name)).toBe(true);
  });

  it.each(['maxTokens', 'model', 'tokens', 'tpm', 'baseURL'])('%s is not', (name) => {
    expect(isSecretName(name)).toBe(false);
  });

  it('URLs lose user info and query', () => {
    expect(redactUrl('https://user:pw@host.example/v1?key=sk-1#x')).toBe('https://host.example/v1');
    expect(redactUrl('not a url')).toBe('not a url');
  });

  it('summarizeStage never shows a secret, even nested', () => {
    const summary = summarizeStage(stage({ apiKey: 'sk-secret', model: 'gen', discriminatorModel: null, baseURL: 'http://u:p@127.0.0.1:8000/v1', nested: { token: 'sk-2', keep: 1 }, tasks: ['generation', 'repair'] }));
    const text = JSON.stringify(summary);
    expect(text).not.toContain('sk-');
    expect(text).not.toContain('u:p@');
    expect(summary.models).toEqual([['model', 'gen']]);
    expect(summary.parameters).toEqual([['baseURL', 'http://127.0.0.1:8000/v1'], ['nested', '{"keep":1}'], ['tasks', 'generation, repair']]);
  });
});

describe('summaries', () => {
  it('an object model is named by its name; long values are cut', () => {
    expect(summarizeStage(stage({ model: { name: 'hashing', dim: 256 } })).models).toEqual([['model', 'hashing']]);
    expect(valueText('x'.repeat(500))).toHaveLength(160);
    expect(valueText(null)).toBe('-');
  });

  it('only numeric counts are listed', () => {
    expect(summarizeStage(stage({}, { accepted: 3, funnel: { a: 1 }, name: 'x' })).counts).toEqual([['accepted', '3']]);
  });

  it('decontam tables come from counts.removedByBenchmark / removedByDetector when present', () => {
    const summary = summarizeDecontam({ ...stage({ benchmarks: ['humaneval'] }, { kept: 9, removed: 3, removedByBenchmark: { mbpp: 1, humaneval: 2 } }), stage: 'decontam' });
    expect(summary.byBenchmark).toEqual([['humaneval', 2], ['mbpp', 1]]);
    expect(summary.byDetector).toBeNull();
    expect(summary.counts).toEqual([['kept', 9], ['removed', 3]]);
    expect(summary.parameters).toEqual([['benchmarks', 'humaneval']]);
  });
});
