/** Download progress: a line per file with bytes, rate and ETA through the project's Progress; nothing for a cached model. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubSim, type HubSim } from '../../../src/devkit/hub-sim/index.js';
import { resolveHubModel } from '../../../src/embedders/hub/resolve.js';
import { formatCount, type ProgressSink } from '../../../src/util/progress.js';

const MODEL_DIR = join(import.meta.dirname, '..', '..', '..', 'native-models', 'tidepool-mini-bert');

let scratch: string;
let sim: HubSim;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'tidepool-hub-progress-'));
  sim = await startHubSim({ dir: MODEL_DIR, repo: 'tidepool/mini-bert' });
});
afterAll(async () => {
  await sim.close();
  await rm(scratch, { recursive: true, force: true });
});

function capture(): { sink: ProgressSink; text: () => string } {
  const chunks: string[] = [];
  return { sink: { write: (text) => chunks.push(text), isTTY: false }, text: () => chunks.join('') };
}

describe('Hub download progress', () => {
  it('ends each downloaded file with a 100% line of its bytes, rate and elapsed time; a cached model prints none', async () => {
    const cacheDir = await mkdtemp(join(scratch, 'cache-'));
    const settings = { cacheDir, endpoint: sim.url, token: undefined, offline: false };
    const first = capture();
    const resolved = await resolveHubModel('tidepool/mini-bert', settings, { progress: first.sink });
    const onnx = sim.files.find((entry) => entry.path === 'onnx/model.onnx');
    if (onnx === undefined) throw new Error('the stand-in lacks onnx/model.onnx');
    const lines = first.text().trimEnd().split('\n');
    const finals = lines.filter((line) => line.includes('100.0%'));
    expect(finals.length).toBe(resolved.downloaded.length);
    const onnxFinal = finals.find((line) => line.includes('hub: onnx/model.onnx:'));
    expect(onnxFinal).toMatch(new RegExp(`^\\[#{20}\\] 100\\.0% \\| hub: onnx/model\\.onnx: ${formatCount(onnx.bytes.length).replace('.', '\\.')} B \\| \\S+ B/s \\| ETA 0s \\| elapsed \\d+s$`));
    const again = capture();
    await resolveHubModel('tidepool/mini-bert', settings, { progress: again.sink });
    expect(again.text()).toBe('');
  });
});
