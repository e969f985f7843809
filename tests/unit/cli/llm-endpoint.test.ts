/** The one base-URL / API-key rule of `tidepool generate` and `tidepool run`. */
import { describe, expect, it } from 'vitest';
import { OPENAI_URL, resolveLlmEndpoint } from '../../../src/cli/llm-endpoint.js';

const LOCAL = 'http://127.0.0.1:8000/v1';

describe('resolveLlmEndpoint', () => {
  it('unset variables: OpenAI with the key, or undefined (no key) so the caller can refuse', () => {
    expect(resolveLlmEndpoint({}, { OPENAI_API_KEY: 'sk-1' })).toEqual({ baseURL: OPENAI_URL, apiKey: 'sk-1' });
    expect(resolveLlmEndpoint({}, {})).toBeUndefined();
  });

  it('a set OPENAI_BASE_URL is used, and a local server without a key gets "no-key"', () => {
    expect(resolveLlmEndpoint({}, { OPENAI_BASE_URL: LOCAL })).toEqual({ baseURL: LOCAL, apiKey: 'no-key' });
  });

  it('an empty OPENAI_BASE_URL or OPENAI_API_KEY counts as unset', () => {
    expect(resolveLlmEndpoint({}, { OPENAI_BASE_URL: '', OPENAI_API_KEY: 'sk-1' })).toEqual({ baseURL: OPENAI_URL, apiKey: 'sk-1' });
    expect(resolveLlmEndpoint({}, { OPENAI_BASE_URL: '', OPENAI_API_KEY: '' })).toBeUndefined();
    expect(resolveLlmEndpoint({}, { OPENAI_BASE_URL: LOCAL, OPENAI_API_KEY: '' })).toEqual({ baseURL: LOCAL, apiKey: 'no-key' });
  });

  it('the flag (or pipeline value) wins over the variables; an empty one counts as unset', () => {
    const env = { OPENAI_BASE_URL: 'http://other:1/v1', OPENAI_API_KEY: 'sk-env' };
    expect(resolveLlmEndpoint({ baseURL: LOCAL, apiKey: 'sk-flag' }, env)).toEqual({ baseURL: LOCAL, apiKey: 'sk-flag' });
    expect(resolveLlmEndpoint({ baseURL: '', apiKey: '' }, env)).toEqual({ baseURL: 'http://other:1/v1', apiKey: 'sk-env' });
  });

  it('the key comes from the variable the pipeline names', () => {
    expect(resolveLlmEndpoint({}, { OPENAI_API_KEY: 'sk-1', MY_KEY: 'sk-mine' }, 'MY_KEY')).toEqual({ baseURL: OPENAI_URL, apiKey: 'sk-mine' });
    expect(resolveLlmEndpoint({}, { OPENAI_API_KEY: 'sk-1' }, 'MY_KEY')).toBeUndefined();
  });
});
