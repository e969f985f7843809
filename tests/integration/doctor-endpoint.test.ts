/**
 * `tidepool doctor --endpoint` against local /v1/embeddings stand-ins (src/devkit/embed-sim): one that
 * answers, one that wants a key none was given for, and a closed port; each told in the user's words,
 * in the text and in --json, and the key never printed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedServer, type EmbedServer } from '../../src/devkit/embed-sim/index.js';
import type { DoctorReport } from '../../src/doctor/index.js';
import { runCli } from '../helpers/cli.js';

const KEY = 'sk-doctor-secret-0123456789';
// No GPU driver probing of note, and no cache: the endpoint section is what these runs are about.
const ENV = { VK_ICD_FILENAMES: '/nonexistent/tidepool-test-icd.json', VK_DRIVER_FILES: '', HF_HUB_CACHE: '/nonexistent/tidepool-hf-cache', OPENAI_BASE_URL: '', OPENAI_API_KEY: '' };
let open: EmbedServer;
let locked: EmbedServer;
let closedURL: string;

beforeAll(async () => {
  open = await startEmbedServer({ dim: 24, model: 'sim-embed' });
  locked = await startEmbedServer({ dim: 8, model: 'locked-embed', requireApiKey: KEY });
  // A port that was just in use and is now closed: connections to it are refused.
  const gone = await startEmbedServer();
  closedURL = gone.baseURL;
  await gone.close();
});
afterAll(async () => {
  await Promise.all([open.close(), locked.close()]);
});

describe('tidepool doctor --endpoint', () => {
  it('reports the models, the dimension and latency, the missing key by its variable and the refused port', async () => {
    const result = await runCli(['doctor', '--endpoint', [open.baseURL, locked.baseURL, closedURL].join(','), '--model', 'sim-embed'], { env: ENV });
    expect(result.code, result.stderr).toBe(0);
    const out = result.stdout;
    expect(out).toContain(`  - ${open.baseURL}\n      answers: yes; models: sim-embed\n      embeddings with sim-embed: ok, 24 dimensions, `);
    expect(out).toMatch(/embeddings with sim-embed: ok, 24 dimensions, \d+ ms for one text/);
    expect(out).toContain(`  - ${locked.baseURL}\n      GET /v1/models: 401 (key missing or wrong): no key was sent: set OPENAI_API_KEY or pass --api-key`);
    expect(out).toContain(`  - ${closedURL}\n      GET /v1/models: connection refused (nothing listens there`);
    expect(out).toMatch(new RegExp(`The embedding server ${closedURL.replace(/[.]/g, '\\.')} did not work: connection refused`));
  });

  it('--json carries the same facts; a key from OPENAI_API_KEY is used, never printed, and named when refused', async () => {
    const good = await runCli(['doctor', '--endpoint', locked.baseURL, '--model', 'locked-embed', '--json'], { env: { ...ENV, OPENAI_API_KEY: KEY } });
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout + good.stderr).not.toContain(KEY);
    const report = good.json as DoctorReport;
    expect(report.facts.endpoints).toEqual([{ url: locked.baseURL, models: { ok: true, ids: ['locked-embed'] }, probe: { model: 'locked-embed', ok: true, dim: 8, latencyMs: expect.any(Number) as number } }]);
    expect(report.advice.join('\n')).not.toContain('embedding server');

    const wrong = await runCli(['doctor', '--endpoint', locked.baseURL, '--model', 'locked-embed', '--api-key', 'sk-wrong-key-987', '--json'], { env: ENV });
    expect(wrong.code, wrong.stderr).toBe(0);
    expect(wrong.stdout + wrong.stderr).not.toContain('sk-wrong-key-987');
    const refused = (wrong.json as DoctorReport).facts.endpoints?.[0];
    expect(refused?.probe).toEqual({ model: 'locked-embed', ok: false, failure: { kind: 'unauthorized', status: 401, message: '401 (key missing or wrong): the key from --api-key was refused: check it' } });
  });

  it('OPENAI_BASE_URL is checked when no --endpoint is given; without either there is no endpoint section', async () => {
    const fromEnv = await runCli(['doctor', '--json'], { env: { ...ENV, OPENAI_BASE_URL: open.baseURL } });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect((fromEnv.json as DoctorReport).facts.endpoints).toEqual([{ url: open.baseURL, models: { ok: true, ids: ['sim-embed'] }, probe: null }]);
    const none = await runCli(['doctor'], { env: ENV });
    expect(none.stdout).not.toContain('Embedding servers');
  });
});
