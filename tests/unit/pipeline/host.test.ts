/** What `tidepool run` takes from its caller: the development kit (refused up front when missing) and the environment. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipelineEnvironment } from '../../../src/cli/run-pipeline.js';
import { checkPipelineConfig } from '../../../src/pipeline/config.js';
import { runPipeline } from '../../../src/pipeline/run.js';
import { STAGE_SPECS } from '../../../src/pipeline/stages.js';
import { pipelineNaming } from '../../../src/util/options.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tidepool-pipeline-host-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const environment = pipelineEnvironment({});

describe('runPipeline without a development kit', () => {
  it('refuses a pipeline with a sample stage and a scripted LLM before anything runs', async () => {
    const file = join(dir, 'demo.json');
    writeFileSync(file, JSON.stringify({ work: 'demo-work', sample: { rows: 100 }, ingest: {}, embed: { model: 'hashing' }, select: { k: 5 }, generate: { llm: 'scripted' } }));
    await expect(runPipeline({ file, environment })).rejects.toMatchObject({
      code: 'E_USAGE',
      message: expect.stringMatching(/the sample stage and generate\.llm "scripted" need tidepool's development kit/) as unknown,
    });
    expect(existsSync(join(dir, 'demo-work'))).toBe(false);
  });
});

describe('pipelineEnvironment', () => {
  it('takes the key from the variable generate.llm.apiKeyEnv names, and the base URL from the file, then $OPENAI_BASE_URL', () => {
    const env = pipelineEnvironment({ MY_KEY: 'k1', OPENAI_API_KEY: 'k2', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', TIDEPOOL_CHROMIUM: '/usr/bin/chromium', PATH: '/bin' });
    expect(env.llmCredentials({ model: 'm', apiKeyEnv: 'MY_KEY' })).toEqual({ baseURL: 'http://127.0.0.1:9/v1', apiKey: 'k1' });
    expect(env.llmCredentials({ model: 'm', baseURL: 'http://localhost:8000/v1' })).toEqual({ baseURL: 'http://localhost:8000/v1', apiKey: 'k2' });
    expect([env.chromium, env.searchPath]).toEqual(['/usr/bin/chromium', '/bin']);
  });

  it('reads the key of each endpoint that names its variable (#key_env), and says which variables are not set', () => {
    const env = pipelineEnvironment({ GPU2_KEY: 'k2', OPENAI_API_KEY: 'job', UNRELATED: 'u' });
    const baseURL = 'http://gpu1:8000/v1,http://gpu2:8000/v1#key_env=GPU2_KEY';
    expect(env.llmCredentials({ model: 'm', baseURL })).toEqual({ baseURL, apiKey: 'job', endpointKeys: { GPU2_KEY: 'k2' } });
    expect(() => env.llmCredentials({ model: 'm', baseURL: `${baseURL},http://gpu3:8000/v1#key_env=GPU3_KEY` })).toThrow(
      expect.objectContaining({ code: 'E_USAGE', message: expect.stringMatching(/names \$GPU3_KEY in #key_env, which is not set; export GPU3_KEY=\.\.\./) as unknown }) as Error,
    );
  });

  it('needs a key only for OpenAI\'s own endpoint', () => {
    expect(environment.llmCredentials({ model: 'm', baseURL: 'http://localhost:8000/v1' })).toEqual({ baseURL: 'http://localhost:8000/v1', apiKey: 'no-key' });
    expect(() => environment.llmCredentials({ model: 'm' })).toThrow(expect.objectContaining({ code: 'E_USAGE', message: expect.stringMatching(/no API key in \$OPENAI_API_KEY/) as unknown }) as Error);
  });
});

describe('generate.llm.baseURL with several endpoints', () => {
  const config = checkPipelineConfig({ work: 'w', ingest: { inputs: ['d'] }, embed: { model: 'hashing' }, select: { k: 5 }, generate: { llm: 'scripted' } }, '/p/p.json');
  const check = (baseURL: string): void => {
    const spec = STAGE_SPECS.generate;
    spec.check(spec.request(config, { llm: { model: 'm', baseURL } }), pipelineNaming('generate'));
  };

  it('takes a list with #model and #key_env (whether the variables are set is the preflight\'s check)', () => {
    expect(() => {
      check('http://gpu1:8000/v1#model=qwen,http://gpu2:8000/v1#key_env=GPU2_KEY');
    }).not.toThrow();
  });

  it('names a bad endpoint under the pipeline key', () => {
    expect(() => {
      check('http://gpu1:8000/v1,gpu2:8000');
    }).toThrow(expect.objectContaining({ code: 'E_USAGE', message: expect.stringContaining('generate.llm.baseURL endpoint 2 must be an http:// or https:// URL') as unknown }) as Error);
  });
});
