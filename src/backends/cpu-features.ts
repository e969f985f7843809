/** What this CPU can run fast: its architecture and instruction-set flags, for choosing an int8 ONNX variant. */
import { readFileSync } from 'node:fs';

/** A CPU's architecture (Node's `process.arch` names: `x64`, `arm64`) and its flags (`/proc/cpuinfo` names: `avx2`, `avx512_vnni`). */
export interface CpuFeatures {
  arch: string;
  flags: readonly string[];
}

/**
 * This machine's CPU features. The flags come from the first `flags` line of `cpuinfoPath` (Linux); where
 * it cannot be read (macOS, Windows, a sandbox) they are empty, which only means the fp32 model is chosen.
 * @param cpuinfoPath @default '/proc/cpuinfo'
 */
export function readCpuFeatures(cpuinfoPath = '/proc/cpuinfo'): CpuFeatures {
  let text = '';
  try {
    text = readFileSync(cpuinfoPath, 'utf8');
  } catch {
    return { arch: process.arch, flags: [] };
  }
  const line = /^(?:flags|Features)\s*:(.*)$/m.exec(text);
  return { arch: process.arch, flags: line?.[1]?.trim().split(/\s+/) ?? [] };
}
