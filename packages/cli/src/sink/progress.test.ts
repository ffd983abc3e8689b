import { describe, expect, it } from 'vitest';
import { createHumanReporter } from './progress.js';

// A tiny terminal: enough of VT100 (cursor up, clear line, CR, LF) to see what a user sees.
function terminal(columns = 60, rows?: number) {
  const screen: string[] = [''];
  let row = 0;
  let raw = '';
  let last = '';
  const stream = {
    isTTY: true,
    columns,
    rows,
    write(chunk: string) {
      raw += chunk;
      last = chunk;
      const re = /\u001b\[(\d*)([A-Za-z])|\r|\n|[^\u001b\r\n]+/g;
      for (const m of chunk.matchAll(re)) {
        const t = m[0];
        if (t === '\r') continue;
        if (t === '\n') {
          row++;
          screen[row] ??= '';
        } else if (m[2] === 'A') row = Math.max(0, row - Number(m[1] || 1));
        else if (m[2] === 'K') screen[row] = '';
        else if (m[2] === 'm') continue;
        else screen[row] = (screen[row] ?? '') + t;
      }
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  return {
    stream,
    screen: () => screen.filter((l, i) => i < screen.length - 1 || l),
    raw: () => raw,
    last: () => last,
  };
}

describe('live progress on a terminal', () => {
  it('keeps one line per service, rewritten in place, with build output on its line', () => {
    const env = { CI: process.env.CI, NO_COLOR: process.env.NO_COLOR };
    delete process.env.CI;
    process.env.NO_COLOR = '1';
    try {
      const t = terminal();
      const r = createHumanReporter({
        verbose: false,
        stream: t.stream,
        clean: (s) => s.replaceAll('hunter22', '***'),
      });
      r.info('building pctl-s-api:abc', 's-api', 'BuildStarted', { ref: 'pctl-s-api:abc' });
      r.info('unchanged, skipping', 's-db', 'ServiceUnchanged');
      r.emit({ level: 'debug', code: 'BuildLine', text: 'Step 2/3 : COPY . /app', subject: 'pctl-s-api:abc' });
      expect(t.screen()).toEqual(['… s-api building: Step 2/3 : COPY . /app', '✓ s-db  unchanged, skipping']);
      r.info('waiting for the lock: held by pid 42');
      r.info('updating (config changed, password hunter22)', 's-api', 'ServiceDeploying');
      r.info('deployed', 's-api', 'ServiceDeployed');
      expect(t.screen()).toEqual([
        'waiting for the lock: held by pid 42',
        '✓ s-api deployed',
        '✓ s-db  unchanged, skipping',
      ]);
      expect(t.raw()).not.toContain('hunter22');
      r.emit({
        level: 'error',
        code: 'ServiceFailed',
        text: 'container exited with code 3 and a very long explanation that does not fit',
        subject: 's-db',
      });
      const screen = t.screen();
      expect(screen[2]).toMatch(/^✗ s-db  container exited with code 3/);
      expect(screen.every((l) => l.length <= 59)).toBe(true);
    } finally {
      Object.assign(process.env, env);
      if (env.CI === undefined) delete process.env.CI;
      if (env.NO_COLOR === undefined) delete process.env.NO_COLOR;
    }
  });

  it('keeps the board to the screen: each event rewrites a bounded number of lines, whatever the stack size', () => {
    const env = { CI: process.env.CI, NO_COLOR: process.env.NO_COLOR };
    delete process.env.CI;
    process.env.NO_COLOR = '1';
    try {
      const t = terminal(60, 12);
      const r = createHumanReporter({ verbose: false, stream: t.stream });
      let widest = 0;
      for (let i = 0; i < 300; i++) {
        for (const [text, code] of [
          ['creating (new service)', 'ServiceDeploying'],
          ['deployed', 'ServiceDeployed'],
        ]) {
          r.info(text!, `s-${i}`, code);
          widest = Math.max(widest, t.last().split('\u001b[2K').length - 1);
        }
      }
      // One line per screen row at most (a redraw of all 300 rows before).
      expect(widest).toBeLessThanOrEqual(12);
      // Every service ends on the screen once, done: those that left the board stay above it.
      const screen = t.screen();
      expect(screen).toHaveLength(300);
      screen.forEach((line, i) => expect(line).toMatch(new RegExp(`^✓ s-${i} +deployed$`)));
    } finally {
      Object.assign(process.env, env);
      if (env.CI === undefined) delete process.env.CI;
      if (env.NO_COLOR === undefined) delete process.env.NO_COLOR;
    }
  });

  it('writes plain lines when not on a terminal, in CI, or with --verbose', () => {
    const lines: string[] = [];
    const stream = { isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
    const r = createHumanReporter({ verbose: false, stream });
    r.info('deployed', 's-api', 'ServiceDeployed');
    r.info('unchanged, skipping', 's-db', 'ServiceUnchanged');
    r.emit({ level: 'debug', code: 'BuildLine', text: 'Step 1/2 : FROM busybox', subject: 'pctl-s-api:abc' });
    r.debug('$ docker build ...');
    expect(lines).toEqual([
      's-api deployed\n',
      's-db unchanged, skipping\n',
      'pctl-s-api:abc Step 1/2 : FROM busybox\n',
    ]);
    const tty = terminal();
    const verbose = createHumanReporter({ verbose: true, stream: tty.stream });
    verbose.info('deployed', 's-api', 'ServiceDeployed');
    expect(tty.raw()).not.toContain('\u001b[2K');
  });
});
