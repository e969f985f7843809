/** The doctor's file-mapping section: whether `select` maps .npy inputs here, and what to do when it cannot. */
import { describe, expect, it } from 'vitest';
import { gatherDoctorFacts } from '../../../src/doctor/probe.js';
import { buildDoctorReport, formatDoctorReport } from '../../../src/doctor/report.js';
import { NOTHING_PROBED } from '../../helpers/doctor-facts.js';

const base = NOTHING_PROBED;

describe('doctor: file mapping', () => {
  it('says .npy inputs are read in place when the addon works, with no advice', () => {
    const report = buildDoctorReport({ ...base, fileMapping: { ok: true } });
    expect(formatDoctorReport(report)).toContain('File mapping (native/mmap), used by `select`\n  works: a float32 .npy input is read in place');
    expect(report.advice.join('\n')).not.toMatch(/mapping|mmap/);
  });

  it('says why not, and what that costs, when the addon is missing', () => {
    const reason = 'the mmap addon (native/mmap) is not built: run `npm run build` where a C compiler is installed';
    const report = buildDoctorReport({ ...base, fileMapping: { ok: false, reason } });
    expect(formatDoctorReport(report)).toContain(`  not available: ${reason}`);
    expect(report.advice).toContain(`\`select\` reads .npy inputs into memory instead of mapping them (slower to load): ${reason}.`);
  });

  it('is checked on every doctor run: here the addon is built', async () => {
    const facts = await gatherDoctorFacts({ env: {}, platform: 'linux', webgpu: () => Promise.resolve(base.webgpu), onnx: () => Promise.resolve(base.onnx) });
    expect(facts.fileMapping).toEqual({ ok: true });
  });
});
