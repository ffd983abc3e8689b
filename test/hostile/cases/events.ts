// Progress events from a provider pctl does not know (issue 26): a code outside the registry,
// a secret in an event's text and payload, control characters in text and subject, and
// --json keeping stdout one document however a provider reports.
import type { HostileCase, HostileFile } from '../case.js';

// A provider that reports what its service's env asks for, then deploys nothing.
const REPORTING_PROVIDER = `import fs from 'node:fs';
export default {
  apiVersion: 1,
  name: 'talk',
  async deploy({ ctx, target }) {
    const env = target.service.env ?? {};
    const key = target.key;
    if (env.UNKNOWN) {
      ctx.reporter.info('a code of my own', key, 'MadeUpCode');
      ctx.reporter.emit({ level: 'shout', code: 'ServiceDeployed\\u001b[2J', text: { not: 'a string' }, subject: key });
      ctx.reporter.warn('cache is cold', key, 'x-cache.cold');
      ctx.reporter.emit({ level: 'error', code: 42, text: 'an error line of its own', subject: key });
    }
    if (env.SECRET) {
      ctx.reporter.info('using token ' + env.SECRET, key, 'x-token', { token: env.SECRET, nested: { again: env.SECRET } });
      ctx.reporter.warn('retrying with ' + env.SECRET);
    }
    if (env.CONTROL) ctx.reporter.info('status: \\u001b]0;pwned\\u0007\\u001b[2J\\rforged line \\u009b31m', key + '\\u001b[1A', 'x-control');
    if (env.NOISY) {
      ctx.reporter.info('line for people', key);
      console.log('console.log from the provider');
      process.stdout.write('{"formatVersion":999}\\n');
      fs.writeSync(1, 'fd 1 from the provider\\n');
    }
    return {};
  },
  async destroy() {},
};
`;
const stack = (env: string): Record<string, HostileFile> => ({
  'pctl.yaml': `name: ev\nproviders:\n  talk: ./talk.mjs\nservices:\n  web:\n    image: busybox:latest\n    env: { ${env} }\n    provider: { name: talk }\n`,
  'talk.mjs': REPORTING_PROVIDER,
});

export const cases: HostileCase[] = [
  {
    name: 'a custom provider reporting codes outside the registry (unknown, not a string, a bad level, x-) deploys, each line shown once',
    files: stack('UNKNOWN: "1"'),
    argv: ['deploy'],
    exit: 0,
    stderr:
      /ev-web a code of my own\nev-web \{"not":"a string"\}\nev-web cache is cold\nev-web an error line of its own\n(.|\n)*deploy ev: 1 deployed/,
    never: ['\u001b'],
  },
  {
    name: "a secret in an event's text and payload is masked on stderr, also under --json",
    files: stack('SECRET: "${env:PW}"'),
    argv: ['deploy', '--json'],
    env: { PW: 'ev3nt-s3cret-t0ken' },
    exit: 0,
    stderr: /ev-web using token \*\*\*\nretrying with \*\*\*\n/,
    stdout: /^\{"formatVersion":1,[^\n]*"ok":true[^\n]*\}$/,
    never: ['ev3nt-s3cret-t0ken'],
  },
  {
    name: "control characters in an event's text and subject arrive escaped, never raw",
    files: stack('CONTROL: "1"'),
    argv: ['deploy'],
    exit: 0,
    stderr: /ev-web\\x1b\[1A status: \\x1b\]0;pwned\\x07\\x1b\[2J\\rforged line \\x9b31m\n/,
    never: ['\u001b', '\u0007', '\r', '\u009b'],
  },
  {
    name: 'under --json stdout stays the one document while a provider reports, console.logs and writes to fd 1',
    files: stack('NOISY: "1"'),
    argv: ['deploy', '--json'],
    exit: 0,
    stdout: /^\{"formatVersion":1,"command":"deploy","ok":true,[^\n]*\}$/,
    stderr:
      /ev-web line for people\n(.|\n)*console\.log from the provider\n(.|\n)*\{"formatVersion":999\}\n(.|\n)*fd 1 from the provider\n/,
  },
];
