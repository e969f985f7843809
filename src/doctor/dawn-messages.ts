/**
 * Dawn (the `webgpu` package's native code) writes its warnings straight to the process's stderr,
 * with the C++ source location on its build machine (`at CheckVkSuccessImpl (/home/runner/...)`),
 * once per WebGPU instance. This turns that text into one short line per distinct problem.
 */

/** Known Dawn/Vulkan messages and what they mean for a person reading the doctor's report. */
const EXPLAINED: readonly { pattern: RegExp; explanation: string }[] = [
  {
    pattern: /Found no drivers|VK_ERROR_INCOMPATIBLE_DRIVER/i,
    explanation: 'Vulkan found no driver it could load (vkCreateInstance: VK_ERROR_INCOMPATIBLE_DRIVER), so Dawn has no Vulkan adapter',
  },
  {
    pattern: /VK_ERROR_INITIALIZATION_FAILED/i,
    explanation: 'a Vulkan driver is installed but failed to start (VK_ERROR_INITIALIZATION_FAILED): its kernel driver may be missing or of another version',
  },
];

/** Longest line kept from a message Dawn printed that is not explained above. */
const MAX_LINE = 160;

/**
 * Boils Dawn's raw stderr down to short, de-duplicated lines: stack-location lines and build paths
 * dropped, known messages replaced by what they mean. Pure.
 * @param limit most lines returned. @default 4
 */
export function summarizeDawnOutput(text: string, limit = 4): string[] {
  const lines: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    // `at Function (/path/file.cpp:106)`: where in Dawn's sources, on the machine that built it.
    if (line === '' || /^at\s/.test(line)) continue;
    const message = line.replace(/^(warning|error|info):\s*/i, '');
    const known = EXPLAINED.find((entry) => entry.pattern.test(message));
    const summary = known?.explanation ?? shorten(message.replace(/\s*\((?:\/|[A-Za-z]:\\)[^)]*\)/g, ''));
    if (summary !== '' && !lines.includes(summary)) lines.push(summary);
  }
  return lines.slice(0, limit);
}

function shorten(line: string): string {
  return line.length <= MAX_LINE ? line : `${line.slice(0, MAX_LINE - 1)}…`;
}
