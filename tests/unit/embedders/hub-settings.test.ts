import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hubSettingsFromEnv } from '../../../src/embedders/hub/settings.js';
import { looksLikeRepoId, parseRepoRef } from '../../../src/embedders/hub/repo-id.js';
import { repoCache } from '../../../src/embedders/hub/cache-layout.js';
import { planModelFiles } from '../../../src/embedders/hub/model-files.js';

const HOME = '/home/u';

describe('hubSettingsFromEnv (huggingface_hub constants.py precedence)', () => {
  it('defaults to ~/.cache/huggingface/hub, the public Hub, online, no token', () => {
    expect(hubSettingsFromEnv({}, HOME)).toEqual({ cacheDir: join(HOME, '.cache', 'huggingface', 'hub'), endpoint: 'https://huggingface.co', token: undefined, offline: false });
  });
  it('HF_HUB_CACHE wins over HF_HOME, which wins over XDG_CACHE_HOME', () => {
    expect(hubSettingsFromEnv({ XDG_CACHE_HOME: '/xdg' }, HOME).cacheDir).toBe('/xdg/huggingface/hub');
    expect(hubSettingsFromEnv({ XDG_CACHE_HOME: '/xdg', HF_HOME: '/hf' }, HOME).cacheDir).toBe('/hf/hub');
    expect(hubSettingsFromEnv({ XDG_CACHE_HOME: '/xdg', HF_HOME: '/hf', HF_HUB_CACHE: '/cache' }, HOME).cacheDir).toBe('/cache');
  });
  it('empty variables count as unset', () => {
    expect(hubSettingsFromEnv({ HF_HUB_CACHE: '', HF_HOME: ' ', HF_TOKEN: '' }, HOME)).toMatchObject({ cacheDir: join(HOME, '.cache', 'huggingface', 'hub'), token: undefined });
  });
  it('reads HF_ENDPOINT (trailing slash dropped), HF_TOKEN and the truthy spellings of HF_HUB_OFFLINE', () => {
    const settings = hubSettingsFromEnv({ HF_ENDPOINT: 'http://127.0.0.1:9/', HF_TOKEN: 'hf_x', HF_HUB_OFFLINE: 'ON' }, HOME);
    expect(settings).toMatchObject({ endpoint: 'http://127.0.0.1:9', token: 'hf_x', offline: true });
    for (const value of ['1', 'true', 'yes']) expect(hubSettingsFromEnv({ HF_HUB_OFFLINE: value }, HOME).offline).toBe(true);
    for (const value of ['0', 'false', '']) expect(hubSettingsFromEnv({ HF_HUB_OFFLINE: value }, HOME).offline).toBe(false);
    expect(hubSettingsFromEnv({ HF_HUB_OFFLINE: '0' }, HOME, true).offline).toBe(true);
  });
});

describe('Hub ids', () => {
  it('reads org/name and org/name@revision, main by default', () => {
    expect(parseRepoRef('sentence-transformers/all-MiniLM-L6-v2')).toEqual({ repo: 'sentence-transformers/all-MiniLM-L6-v2', revision: 'main' });
    expect(parseRepoRef('org/name@v1.0')).toEqual({ repo: 'org/name', revision: 'v1.0' });
  });
  it('rejects what is not a repo id', () => {
    for (const value of ['hashing', 'a/b/c', './a/b', '../x/y', 'org/name@', '/abs/path', 'org/']) expect(looksLikeRepoId(value)).toBe(false);
    expect(() => parseRepoRef('a/b/c')).toThrow(/org\/name/);
  });
  it('names the cache folder as huggingface_hub does', () => {
    expect(repoCache('/c', 'org/name').root).toBe('/c/models--org--name');
  });
});

describe('planModelFiles', () => {
  it('takes the configs, the tokenizer and one ONNX file, never the other variants', () => {
    const repo = ['README.md', 'config.json', 'tokenizer.json', 'vocab.txt', 'modules.json', '1_Pooling/config.json', 'model.safetensors',
      'onnx/model.onnx', 'onnx/model_O4.onnx', 'onnx/model_qint8_avx512_vnni.onnx', 'onnx/model_quantized.onnx', 'pytorch_model.bin'];
    expect(planModelFiles(repo)).toMatchObject({ kind: 'onnx', files: ['config.json', 'tokenizer.json', 'modules.json', '1_Pooling/config.json', 'onnx/model.onnx'], missingRequired: [], onnx: 'onnx/model.onnx' });
  });
  it('prefers a top-level model.onnx and brings its external-data sidecar', () => {
    expect(planModelFiles(['config.json', 'tokenizer.json', 'model.onnx', 'model.onnx_data', 'onnx/model.onnx']).files).toEqual(['config.json', 'tokenizer.json', 'model.onnx', 'model.onnx_data']);
  });
  it('reports a repo without ONNX or without a tokenizer', () => {
    expect(planModelFiles(['config.json', 'model.safetensors'])).toEqual({ kind: 'none', files: [] });
    expect(planModelFiles(['config.json', 'onnx/model.onnx'])).toMatchObject({ kind: 'onnx', onnx: 'onnx/model.onnx', missingRequired: ['tokenizer.json'] });
  });
});
