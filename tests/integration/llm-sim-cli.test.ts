/** `tidepool llm-sim` as a user runs it: listens, says it is scripted, answers, stops cleanly on SIGTERM. */
import { spawn } from 'node:child_process';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers/cli.js';

describe('tidepool llm-sim', () => {
  it('--help lists its options', async () => {
    const result = await runCli(['llm-sim', '--help']);
    expect(result.code).toBe(0);
    for (const option of ['--port <n>', '--host <address>', '--latency-ms <ms>', '--reject-rate <r>', '--json']) expect(result.stdout).toContain(option);
    expect((await runCli(['--help'])).stdout).toMatch(/llm-sim/);
  });

  it('--port 0 --json prints the base URL once listening, answers a request, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [CLI, 'llm-sim', '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const baseURL = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const line = stdout.split('\n').find((text) => text.startsWith('{'));
        if (line !== undefined) resolve((JSON.parse(line) as { baseURL: string }).baseURL);
      });
      void exited.then((code) => {
        reject(new Error(`llm-sim exited (${code}) before listening: ${stderr}`));
      });
    });
    expect(baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const client = new OpenAI({ baseURL, apiKey: 'x', maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'any', messages: [{ role: 'user', content: 'Who are you?' }] });
    expect(completion.choices[0]?.message.content).toMatch(/scripted stand-in for an LLM, not a model/);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/SCRIPTED stand-in for an LLM, NOT a model/);
    expect(stderr).toContain(`--base-url ${baseURL}`);
    expect(stderr).toMatch(/SIGTERM received; stopped after 1 request /);
  });
});
