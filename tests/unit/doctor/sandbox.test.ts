/** The doctor's sandbox section: what it prints and advises for a working and a broken sandbox. */
import { describe, expect, it } from 'vitest';
import { gatherDoctorFacts } from '../../../src/doctor/probe.js';
import { buildDoctorReport, formatDoctorReport } from '../../../src/doctor/report.js';
import { NOTHING_PROBED } from '../../helpers/doctor-facts.js';

const base = NOTHING_PROBED;

describe('doctor: sandbox', () => {
  it('a working sandbox is reported with its version and adds no advice', () => {
    const report = buildDoctorReport({ ...base, sandbox: { ok: true, version: '0.8.0' } });
    expect(formatDoctorReport(report)).toContain('Sandbox (bubblewrap), used by `generate --execute`\n  works: bubblewrap 0.8.0');
    expect(report.advice.join('\n')).not.toMatch(/sandbox/i);
  });

  it('says whether warm sandboxes work, and what runs instead when they do not', () => {
    expect(formatDoctorReport(buildDoctorReport({ ...base, sandbox: { ok: true, version: '0.8.0', warm: null } }))).toContain('  warm sandboxes work: programs run one after another');
    const broken = buildDoctorReport({ ...base, sandbox: { ok: true, version: '0.8.0', warm: 'crashed: no pidfd' } });
    expect(formatDoctorReport(broken)).toContain('  warm sandboxes do not work (crashed: no pidfd): each program gets a new sandbox');
    expect(broken.advice.join('\n')).not.toMatch(/sandbox/i);
  });

  it('says how JavaScript runs in warm sandboxes: forked from a started Node, or a new Node per program and why', () => {
    expect(formatDoctorReport(buildDoctorReport({ ...base, sandbox: { ok: true, version: '0.8.0', warm: null, javascript: { mode: 'forked' } } }))).toContain('  JavaScript programs are forked from a started Node');
    const exec = formatDoctorReport(buildDoctorReport({ ...base, sandbox: { ok: true, version: '0.8.0', warm: null, javascript: { mode: 'exec', reason: 'the fork addon (native/fork) is not built' } } }));
    expect(exec).toContain('  JavaScript programs each start a new Node (about 2x slower, as safe): the fork addon (native/fork) is not built');
    expect(formatDoctorReport(buildDoctorReport({ ...base, sandbox: { ok: true, version: '0.8.0', warm: null } }))).not.toContain('JavaScript programs');
  });

  it('a broken sandbox is reported with the reason and the fix', () => {
    const report = buildDoctorReport({ ...base, sandbox: { ok: false, reason: 'bwrap: No permissions to create new namespace' } });
    expect(formatDoctorReport(report)).toContain('  does not work: bwrap: No permissions to create new namespace');
    const advice = report.advice.join('\n');
    expect(advice).toContain('`generate --execute` refuses to run');
    expect(advice).toContain('apt-get install bubblewrap');
    expect(advice).toContain('--unsafe-no-sandbox');
  });

  it('no sandbox section when it was not probed; a probe that throws becomes a failure', async () => {
    expect(formatDoctorReport(buildDoctorReport(base))).not.toContain('Sandbox');
    const probes = { env: {}, platform: 'darwin', webgpu: () => Promise.resolve(base.webgpu), onnx: () => Promise.resolve(base.onnx) };
    expect((await gatherDoctorFacts(probes)).sandbox).toBeUndefined();
    const facts = await gatherDoctorFacts({ ...probes, sandbox: () => Promise.reject(new Error('bwrap exploded')) });
    expect(facts.sandbox).toEqual({ ok: false, reason: 'bwrap exploded' });
  });
});
