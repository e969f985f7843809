import { describe, expect, it } from 'vitest';
import { keyVariables, parseEndpointList } from '../../../../src/generate/endpoints/spec.js';
import { resolveGenerateOptions, type GenerateOptions } from '../../../../src/generate/options.js';

const base: GenerateOptions = { data: 'd', coreset: 'c', out: 'o', model: 'm', baseURL: 'http://127.0.0.1:8000/v1', apiKey: 'job-key' };

function usageMessage(options: GenerateOptions): string {
  try {
    resolveGenerateOptions(options);
  } catch (error) {
    expect(error).toMatchObject({ code: 'E_USAGE' });
    return (error as Error).message;
  }
  throw new Error('expected resolveGenerateOptions to throw');
}

describe('parseEndpointList', () => {
  it('reads one URL as before, and a comma list with per-endpoint model and key variable', () => {
    expect(parseEndpointList('http://127.0.0.1:8000/v1', '--base-url')).toEqual({ endpoints: [{ baseURL: 'http://127.0.0.1:8000/v1' }], positions: [1], written: 1, problems: [] });
    const list = parseEndpointList('http://a:8000/v1#model=Qwen/Qwen2.5-Coder-7B&key_env=A_KEY, https://b/v1?api-version=2024-01-01,http://c:9/v1#model=q%26a', '--base-url');
    expect(list.problems).toEqual([]);
    expect(list.endpoints).toEqual([
      { baseURL: 'http://a:8000/v1', model: 'Qwen/Qwen2.5-Coder-7B', keyEnv: 'A_KEY' },
      { baseURL: 'https://b/v1?api-version=2024-01-01' },
      { baseURL: 'http://c:9/v1', model: 'q&a' },
    ]);
  });

  it('keeps a comma inside a query in its endpoint, and reads any other piece as an endpoint of its own', () => {
    expect(parseEndpointList('http://a/v1?tags=x,y,http://b/v1#model=m%2Cn', 'L').endpoints).toEqual([
      { baseURL: 'http://a/v1?tags=x,y' },
      { baseURL: 'http://b/v1', model: 'm,n' },
    ]);
    // A forgotten scheme is a bad endpoint, not part of the previous URL's path.
    expect(parseEndpointList('http://a/v1,localhost:8001/v1', 'L').problems).toEqual([expect.stringMatching(/^L endpoint 2 must be an http/)]);
  });

  it('names every bad endpoint by its position, without credentials', () => {
    const { problems } = parseEndpointList('http://a/v1,ftp://user:pw@b/v1,http://c/v1#model=&key_env=MY-KEY&colour=red,http://a/v1', '--base-url');
    expect(problems).toHaveLength(5);
    expect(problems[0]).toMatch(/^--base-url endpoint 2 must be an http:\/\/ or https:\/\/ URL .*"ftp:\/\/b\/v1"/);
    expect(problems[1]).toMatch(/^--base-url endpoint 3: #model= needs the model name/);
    expect(problems[2]).toMatch(/^--base-url endpoint 3: #key_env= takes the name of an environment variable .* found "MY-KEY"/);
    expect(problems[3]).toMatch(/^--base-url endpoint 3: unknown setting "colour" after #; an endpoint takes model= and key_env=/);
    expect(problems[4]).toMatch(/names http:\/\/a\/v1 twice \(endpoints 1 and 4\)/);
    expect(problems.join('\n')).not.toContain('pw');
  });

  it('says an empty endpoint is empty', () => {
    expect(parseEndpointList('', '--base-url').problems).toEqual([expect.stringMatching(/^--base-url is empty/)]);
  });

  it('lists the key variables named, once each', () => {
    expect(keyVariables('http://a/v1#key_env=K1,http://b/v1#key_env=K2,http://c/v1#key_env=K1,http://d/v1')).toEqual(['K1', 'K2']);
  });
});

describe('resolveGenerateOptions with several endpoints', () => {
  it('gives each endpoint its model and key (its own variable, else the job key), and sizes the pool epoch from the total concurrency', () => {
    const resolved = resolveGenerateOptions({ ...base, baseURL: 'http://a/v1#model=qa&key_env=A_KEY,http://b/v1', endpointKeys: { A_KEY: 'a-secret' }, concurrency: 100 });
    expect(resolved.endpoints).toEqual([
      { baseURL: 'http://a/v1', apiKey: 'a-secret', model: 'qa' },
      { baseURL: 'http://b/v1', apiKey: 'job-key', model: undefined },
    ]);
    expect(resolved.poolEpoch).toBe(4 * 100 * 2);
    expect(resolveGenerateOptions(base).endpoints).toEqual([{ baseURL: 'http://127.0.0.1:8000/v1', apiKey: 'job-key', model: undefined }]);
  });

  it('names a key variable that is not set, with every other problem at once', () => {
    const message = usageMessage({ ...base, baseURL: 'http://a/v1,http://b/v1#key_env=B_KEY,not a url', endpointKeys: {}, concurrency: 0 });
    expect(message).toContain('--base-url endpoint 2 (http://b/v1) takes its key from $B_KEY, which is not set');
    expect(message).toContain('--base-url endpoint 3 must be an http:// or https:// URL');
    expect(message).toContain('--concurrency');
  });
});
