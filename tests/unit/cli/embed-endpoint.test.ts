/** Which servers and key `embed` uses: --endpoint, or OPENAI_BASE_URL / OpenAI's API for `openai:NAME`. */
import { describe, expect, it } from 'vitest';
import { endpointOptions } from '../../../src/cli/embed-endpoint.js';

describe('endpointOptions', () => {
  it('is undefined for a local model, and refuses endpoint tuning without servers', () => {
    expect(endpointOptions('hashing', {}, {})).toBeUndefined();
    expect(() => endpointOptions('hashing', { concurrency: 2 }, {})).toThrow(/--concurrency and --endpoint-batch apply to remote servers/);
  });

  it('takes --endpoint with the flag key, else OPENAI_API_KEY', () => {
    expect(endpointOptions('bge', { endpoint: 'http://a:8080,http://b:8080', concurrency: 3 }, { OPENAI_API_KEY: 'sk-env' })).toEqual({ urls: 'http://a:8080,http://b:8080', apiKey: 'sk-env', concurrency: 3, batchSize: undefined });
    expect(endpointOptions('bge', { endpoint: 'http://a', apiKey: 'sk-flag' }, { OPENAI_API_KEY: 'sk-env' })?.apiKey).toBe('sk-flag');
    expect(endpointOptions('bge', { endpoint: 'http://a' }, { OPENAI_API_KEY: '' })?.apiKey).toBeUndefined();
  });

  it('sends openai:NAME to OPENAI_BASE_URL, else to OpenAI with a key it requires', () => {
    expect(endpointOptions('openai:m', {}, { OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' })).toMatchObject({ urls: ['http://127.0.0.1:9/v1'], apiKey: undefined });
    expect(endpointOptions('openai:m', {}, { OPENAI_API_KEY: 'sk-1' })).toMatchObject({ urls: ['https://api.openai.com/v1'], apiKey: 'sk-1' });
    expect(() => endpointOptions('openai:m', {}, {})).toThrow(/needs a key: set OPENAI_API_KEY/);
  });
});
