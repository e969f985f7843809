/** The pure rules of the /v1/embeddings client: URLs, answer checks, retry delays, prices. */
import { describe, expect, it } from 'vitest';
import { embeddingsURL, estimateCostUSD, parseEmbeddings, redactURL, retryDelayMs } from '../../../src/embedders/endpoint/wire.js';

describe('embeddingsURL', () => {
  it('accepts a bare server (TEI), an OpenAI-style base URL and a full embeddings URL', () => {
    expect(embeddingsURL('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080/v1/embeddings');
    expect(embeddingsURL('http://127.0.0.1:8000/v1/')).toBe('http://127.0.0.1:8000/v1/embeddings');
    expect(embeddingsURL('https://api.example.com/openai/v1/embeddings')).toBe('https://api.example.com/openai/v1/embeddings');
  });

  it('redacts credentials and queries for logs and manifests', () => {
    expect(redactURL('https://user:secret@host:9/v1?api-key=k')).toBe('https://host:9/v1');
  });
});

describe('parseEmbeddings', () => {
  const body = { data: [{ index: 1, embedding: [3, 4] }, { index: 0, embedding: Buffer.from(new Float32Array([1, 2]).buffer).toString('base64') }], usage: { prompt_tokens: 7 } };

  it('orders vectors by index, decodes base64 and counts tokens', () => {
    const parsed = parseEmbeddings(body, 2, 2, 'E');
    expect(Array.from(parsed.vectors)).toEqual([1, 2, 3, 4]);
    expect(parsed.tokens).toBe(7);
  });

  it('decodes base64 vectors of a known dimension in place, with and without padding, and refuses bad base64', () => {
    const b64 = (values: number[]): string => Buffer.from(new Float32Array(values).buffer).toString('base64');
    for (const dim of [3, 4, 5]) {
      const rows = [Array.from({ length: dim }, (_, i) => i + 0.5), Array.from({ length: dim }, (_, i) => -i / 3)];
      const parsed = parseEmbeddings({ data: [{ index: 1, embedding: b64(rows[1]!) }, { index: 0, embedding: b64(rows[0]!) }] }, 2, dim, 'E');
      expect(Array.from(parsed.vectors)).toEqual(Array.from(new Float32Array([...rows[0]!, ...rows[1]!])));
    }
    const good = b64([1, 2, 3]);
    expect(() => parseEmbeddings({ data: [{ index: 0, embedding: `${good.slice(0, -2)}!!` }] }, 1, 3, 'http://e')).toThrow(/http:\/\/e answered item 0/);
    expect(() => parseEmbeddings({ data: [{ index: 0, embedding: b64([1, 2, 3, 4]) }] }, 1, 3, 'http://e')).toThrow(/4-dimensional embedding where 3/);
  });

  it('learns the dimension from the first vector when none is expected', () => {
    expect(parseEmbeddings(body, 2, undefined, 'E').dim).toBe(2);
  });

  it('refuses a wrong dimension, a wrong count and duplicate indexes, naming the endpoint', () => {
    expect(() => parseEmbeddings(body, 2, 3, 'http://e')).toThrow(/http:\/\/e answered a 2-dimensional embedding where 3/);
    expect(() => parseEmbeddings(body, 3, 2, 'http://e')).toThrow(/2 embeddings for 3 inputs/);
    expect(() => parseEmbeddings({ data: [{ index: 0, embedding: [1] }, { index: 0, embedding: [2] }] }, 2, 1, 'E')).toThrow(expect.objectContaining({ code: 'E_ENDPOINT_ANSWER' }));
  });
});

describe('retryDelayMs', () => {
  it('honours Retry-After in seconds and as an HTTP date', () => {
    expect(retryDelayMs(1, '2', 500, () => 0)).toBe(2000);
    expect(retryDelayMs(1, new Date(10_000).toUTCString(), 500, () => 0, 7_000)).toBe(3000);
  });

  it('backs off exponentially with jitter between half and all of the step, capped', () => {
    expect(retryDelayMs(3, null, 500, () => 0)).toBe(1000);
    expect(retryDelayMs(3, null, 500, () => 1)).toBe(2000);
    expect(retryDelayMs(30, null, 500, () => 1)).toBe(60_000);
  });
});

describe('estimateCostUSD', () => {
  it('prices OpenAI embedding models and nothing else', () => {
    expect(estimateCostUSD('text-embedding-3-small', 1_000_000)).toBeCloseTo(0.02, 10);
    expect(estimateCostUSD('text-embedding-3-large', 2_000_000)).toBeCloseTo(0.26, 10);
    expect(estimateCostUSD('bge-small', 1_000_000)).toBeNull();
  });
});
