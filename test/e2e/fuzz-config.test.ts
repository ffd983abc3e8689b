// Hostile stack files: a few hundred generated malformed or adversarial files. Every one
// is refused with a ConfigError naming a path (exit 2 through the CLI, one line, no stack
// trace), and nothing runs: no provider is called, no state file is written.
import { existsSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadStack } from '@pctl/core';
import { useStack } from '../helpers/stack.js';

const stack = useStack();
let seed = 20261125;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;

const NASTY_NAMES = [
  'a;rm -rf /',
  '$(id)',
  '`id`',
  'ünïcødé',
  '_UPPER',
  '-lead',
  'trail-',
  'a b',
  'a/b',
  '..',
  'x'.repeat(64),
  '日本',
  'a\u0000b',
  '',
  'a_b_',
  'web.api',
];
const WRONG_VALUES = [
  '42',
  '-1',
  '1e308',
  '[]',
  '{}',
  'null',
  'true',
  '"str"',
  '[[[[1]]]]',
  '{a: {b: {c: 1}}}',
  '99999999999999999999999',
];
const base = (svc = 'api', extra = '') =>
  `name: fuzz\nservices:\n  ${svc}:\n    image: busybox:latest\n    provider: { name: fuzzprov }\n${extra}`;

function generate(n: number): { why: string; yaml: string }[] {
  const out: { why: string; yaml: string }[] = [];
  const fields = [
    'scale',
    'scale.replica',
    'ports',
    'env',
    'health',
    'volumes',
    'dependsOn',
    'command',
    'registry',
    'provider',
    'build',
    'image',
  ];
  while (out.length < n) {
    const kind = Math.floor(rand() * 12);
    switch (kind) {
      case 0: {
        const name = pick(NASTY_NAMES);
        out.push({ why: `service name ${JSON.stringify(name)}`, yaml: base(JSON.stringify(name)) });
        break;
      }
      case 1: {
        const name = pick(NASTY_NAMES);
        out.push({
          why: `stack name ${JSON.stringify(name)}`,
          yaml: base().replace('name: fuzz', `name: ${JSON.stringify(name)}`),
        });
        break;
      }
      case 2: {
        const f = pick(fields);
        const v = pick(WRONG_VALUES);
        const yaml =
          f === 'scale.replica'
            ? base('api', `    scale: { replica: ${v === '42' ? '-5' : v} }\n`)
            : base().replace(
                '    image: busybox:latest\n',
                f === 'image'
                  ? `    image: ${v === '"str"' ? '[]' : v}\n`
                  : `    image: busybox:latest\n    ${f}: ${v === '{}' && ['env', 'registry', 'build'].includes(f) ? '7' : v}\n`,
              );
        out.push({ why: `${f}: ${v}`, yaml });
        break;
      }
      case 3: {
        const depth = 200 + Math.floor(rand() * 5000);
        out.push({
          why: `nesting ${depth}`,
          yaml: base('api', `custom:\n  deep: ${'['.repeat(depth)}${']'.repeat(depth)}\nbogus: 1\n`),
        });
        break;
      }
      case 4: {
        const levels = 6 + Math.floor(rand() * 4);
        const lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]'];
        for (let i = 1; i < levels; i++)
          lines.push(
            `a${i}: &a${i} [${Array(10)
              .fill(`*a${i - 1}`)
              .join(',')}]`,
          );
        out.push({
          why: `alias bomb x${levels}`,
          yaml: `name: fuzz\ncustom:\n  ${lines.join('\n  ')}\nservices: {}\n`,
        });
        break;
      }
      case 5: {
        const p = pick(['./../../etc/passwd', './../x', '/etc/shadow', './a\u0000b', '../../../../root']);
        out.push({
          why: `image path ${JSON.stringify(p)}`,
          yaml: base().replace('image: busybox:latest', `image: ${JSON.stringify(p)}`),
        });
        break;
      }
      case 6: {
        const chain = 1 + Math.floor(rand() * 4);
        const custom = Array.from({ length: chain }, (_, i) => `  k${i}: \${self:custom.k${(i + 1) % chain}}`).join(
          '\n',
        );
        out.push({ why: `self loop of ${chain}`, yaml: base('api', `custom:\n${custom}\n`) });
        break;
      }
      case 7:
        out.push({
          why: 'unknown resolver',
          yaml: base().replace(
            'image: busybox:latest',
            `image: \${${pick(['vault', 'x', 'sh'])}:${pick(['a', '$(id)', '`id`'])}}`,
          ),
        });
        break;
      case 8:
        out.push({
          why: 'missing env',
          yaml: base('api', `    env: { A: "\${env:PCTL_FUZZ_UNSET_${Math.floor(rand() * 1e6)}}" }\n`),
        });
        break;
      case 9: {
        const junk = Array.from({ length: 20 + Math.floor(rand() * 200) }, () =>
          String.fromCharCode(32 + Math.floor(rand() * 95)),
        ).join('');
        out.push({
          why: 'malformed YAML',
          yaml: `name: fuzz\nservices:\n  api: {${junk.replace(/[}]/g, '')}\n  - [\n`,
        });
        break;
      }
      case 10:
        out.push({
          why: 'unknown top-level field',
          yaml: base() + `${pick(['servces', 'plugins', 'resolvers', 'nme', '$(id)'])}: 1\n`,
        });
        break;
      default:
        out.push({
          why: 'dependsOn cycle/unknown',
          yaml: `name: fuzz\nservices:\n  a: { image: x, dependsOn: [${pick(['b', 'zz', 'a'])}], provider: { name: p } }\n  b: { image: x, dependsOn: [a], provider: { name: p } }\n`,
        });
    }
  }
  return out;
}

const CASES = generate(300);

describe('hostile stack files', () => {
  it(`refuses all ${CASES.length} generated files with a path, fast, without crashing`, async () => {
    const wrong: string[] = [];
    for (const [i, c] of CASES.entries()) {
      const file = stack.path(`case${i}.yaml`);
      writeFileSync(file, c.yaml);
      try {
        await loadStack({ configPath: file, cwd: stack.dir, env: {} });
        wrong.push(`${i} (${c.why}): accepted`);
      } catch (e) {
        if (!(e instanceof ConfigError))
          wrong.push(`${i} (${c.why}): ${(e as Error).name}: ${(e as Error).message.slice(0, 200)}`);
        else if (!e.issues.every((iss) => iss.path !== undefined) || !e.message.includes(`case${i}.yaml`))
          wrong.push(`${i} (${c.why}): no file or path: ${e.message}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('through the CLI: exit 2, one line, no stack trace, nothing run (a sample of 25)', async () => {
    const marker = stack.path('provider-was-called');
    stack.write({
      'prov.mjs': `import { writeFileSync } from 'node:fs';\nexport default { apiVersion: 1, name: 'fuzzprov', async deploy() { writeFileSync(${JSON.stringify(marker)}, 'x'); return { provider: 'fuzzprov' }; }, async destroy() {} };\n`,
    });
    for (let i = 0; i < CASES.length; i += 12) {
      const yaml = CASES[i]!.yaml.replace(/^services:/m, 'providers: { fuzzprov: ./prov.mjs }\nservices:');
      writeFileSync(stack.path('pctl.yaml'), yaml);
      const r = await stack.pctl(['deploy'], { env: {} });
      const errLines = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
      expect({ i, why: CASES[i]!.why, code: r.exitCode, lines: errLines.length }).toEqual({
        i,
        why: CASES[i]!.why,
        code: 2,
        lines: 1,
      });
      expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
      expect(existsSync(marker)).toBe(false);
      expect(existsSync(stack.path('pctl.fuzz.json'))).toBe(false);
    }
  }, 300_000);
});
