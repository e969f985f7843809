/**
 * Integration tests run the real CLI (bin/tidepool.js -> dist/) and worker threads (which load dist/),
 * so dist/ must match the sources: build once before they start.
 *
 * The WebGPU tests need a Vulkan driver. On a machine without one, Debian's chromium brings
 * SwiftShader (a CPU Vulkan driver); when VK_ICD_FILENAMES is unset and the system lists no Vulkan
 * driver of its own, point the loader at SwiftShader so `npm test` runs them as CI does (.ci/run sets
 * the same). Without any driver the WebGPU tests fail with the doctor's advice.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const ICD_FOLDERS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d'];

export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  const systemDrivers = ICD_FOLDERS.some((folder) => existsSync(folder) && readdirSync(folder).some((name) => name.endsWith('.json')));
  if (process.env.VK_ICD_FILENAMES === undefined && !systemDrivers && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
}
