// Every command ends the Docker engine connections (and ssh forwards) opened while it ran:
// after a command that succeeds and after one that fails, engineFor opens a new Engine.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createExec, engineFor } from '@pctl/core';
import { tempDir } from '../../../test/helpers/cli.js';
import { main } from './main.js';

// main() installs pctl's signal handlers for the process; this worker's own stay as they were.
const listeners = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
afterAll(() => {
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    for (const l of process.listeners(sig)) if (!listeners[sig].includes(l)) process.off(sig, l);
});

it('closes the engines when a command ends, also when it fails', async () => {
  const t = tempDir();
  try {
    const file = path.join(t.dir, 'pctl.yaml');
    writeFileSync(file, 'name: closes\nservices:\n  web:\n    image: nginx:1\n    provider: { name: docker }\n');
    const ctx = { exec: createExec() };
    const first = await engineFor(ctx);
    expect(await engineFor(ctx)).toBe(first);
    expect(await main(['validate', '-c', file])).toBe(0);
    const second = await engineFor(ctx);
    expect(second).not.toBe(first);
    expect(await main(['validate', '-c', path.join(t.dir, 'missing.yaml')])).toBe(2);
    expect(await engineFor(ctx)).not.toBe(second);
  } finally {
    t.cleanup();
  }
});
