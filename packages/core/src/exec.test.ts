import { describe, expect, it } from 'vitest';
import { createExec, errorLine } from './exec.js';

describe('errorLine', () => {
  it('picks the daemon error over the usage hint docker prints after it', () => {
    const stderr =
      "docker: Error response from daemon: network pctl-x is ambiguous (2 matches found on name).\nSee 'docker run --help'.\n";
    expect(errorLine(stderr)).toBe(
      'docker: Error response from daemon: network pctl-x is ambiguous (2 matches found on name).',
    );
    expect(
      errorLine("docker: Error response from daemon: Conflict.\nRun 'docker run --help' for more information"),
    ).toMatch(/Conflict/);
  });
  it('falls back to the last line when nothing reads like an error', () => {
    expect(errorLine('step 1\nstep 2\n')).toBe('step 2');
    expect(errorLine('')).toBe('');
  });
});

describe('createExec', () => {
  it('names the command and its telling stderr line when it fails', async () => {
    const exec = createExec();
    const err = await exec(process.execPath, [
      '-e',
      'console.error("Error: boom"); console.error("usage: x"); process.exit(3)',
    ]).catch((e) => e);
    expect(err.message).toMatch(/failed: Error: boom/);
  });
});
