/** `tidepool doctor` as a user runs it: Dawn's raw warnings never reach the terminal, the report explains them. */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('tidepool doctor', () => {
  it('with no Vulkan driver: no raw Dawn lines on stderr, a short explanation in the report, exit 0', async () => {
    // A manifest that does not exist leaves the Vulkan loader with no driver on every machine.
    const result = await runCli(['doctor'], { env: { VK_ICD_FILENAMES: '/nonexistent/tidepool-test-icd.json', VK_DRIVER_FILES: '', HF_HUB_CACHE: '/nonexistent/tidepool-hf-cache', HF_TOKEN: 'hf_not_printed' } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/Found no drivers|CheckVkSuccessImpl|VulkanError\.cpp|\/home\/runner/);
    expect(result.stdout).not.toMatch(/CheckVkSuccessImpl|\/home\/runner/);
    expect(result.stdout).toContain('Dawn reported: Vulkan found no driver it could load');
    expect(result.stdout).toContain('VK_ICD_FILENAMES names /nonexistent/tidepool-test-icd.json, which does not exist');
    // The Hugging Face cache from the same settings embed uses; the token never printed.
    expect(result.stdout).toContain('location: /nonexistent/tidepool-hf-cache (not created yet');
    expect(result.stdout).toContain('models: none cached');
    expect(result.stdout).not.toContain('hf_not_printed');
  });

  it('--json carries the summarised Dawn messages and keeps stderr clean', async () => {
    const result = await runCli(['doctor', '--json'], { env: { VK_ICD_FILENAMES: '/nonexistent/tidepool-test-icd.json', VK_DRIVER_FILES: '' } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/Found no drivers|CheckVkSuccessImpl/);
    const report = result.json as { facts: { webgpu: { loaded: boolean; dawnMessages: string[] } } };
    expect(report.facts.webgpu.loaded).toBe(true);
    expect(report.facts.webgpu.dawnMessages.join('\n')).toMatch(/found no driver/);
  });
});
