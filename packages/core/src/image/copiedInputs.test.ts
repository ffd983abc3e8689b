// What pctl says a Dockerfile reads, checked against what the real Docker engine copies:
// every context file holds `ctx:<its path>` (and its case number), the image is built from the whole folder
// (the classic builder through the docker CLI; for BuildKit forms, the engine's BuildKit
// through pctl with the whole folder as the context), and the image's files are read back from
// `docker export`. Exact cases must match exactly (and then build the same from pctl's
// minimal tar context); fallback cases must say so and cover at least what was copied.
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExec } from '../exec.js';
import { buildImage } from './buildImage.js';
import { hashBuildInputs } from './hash.js';
import type { BuildSpec } from './spec.js';

const TREE = [
  'web/index.html',
  'web/app.js',
  'other/a.txt',
  'lib/x.js',
  'lib/sub/y.js',
  'conf/app.conf',
  'a.txt',
  'b.txt',
  'notes.md',
  '$SRC',
  'deep/one/two/z.txt',
  'with space.txt',
];

interface FormCase {
  name: string;
  dockerfile: string;
  args?: Record<string, string>;
  ignore?: string;
  /** true: the inputs are known exactly; false: pctl must fall back to the whole context. */
  exact: boolean;
  /** BuildKit-only forms: the reference build is BuildKit's from the whole folder (the classic builder cannot build them). */
  buildkit?: boolean;
  secrets?: Record<string, string>;
}

const S = 'FROM scratch\n';
const CASES: FormCase[] = [
  { name: 'a plain folder', dockerfile: `${S}COPY web /srv/web\n`, exact: true },
  { name: 'ARG default in $X', dockerfile: `${S}ARG SRC=web\nCOPY $SRC /srv\n`, exact: true },
  {
    name: 'build arg overriding the ARG default',
    dockerfile: `${S}ARG SRC=web\nCOPY $SRC /srv\n`,
    args: { SRC: 'other' },
    exact: true,
  },
  { name: '${X} braces inside a path', dockerfile: `${S}ARG D=lib\nCOPY \${D}/sub /s\n`, exact: true },
  { name: '${X:-y} with X unset', dockerfile: `${S}COPY \${SRC:-conf} /c\n`, exact: true },
  { name: '${X:-y} with X declared without a value', dockerfile: `${S}ARG SRC\nCOPY \${SRC:-lib} /x\n`, exact: true },
  { name: '${X:+y} with X set', dockerfile: `${S}ARG SRC=web\nCOPY \${SRC:+lib} /x\n`, exact: true },
  { name: 'an escaped \\$ is a literal dollar', dockerfile: `${S}ARG SRC=web\nCOPY \\$SRC /x/\n`, exact: true },
  {
    name: 'ARG before FROM is out of scope in the stage',
    dockerfile: `ARG SRC=web\n${S}COPY \${SRC:-lib} /x\n`,
    exact: true,
  },
  {
    name: 'ARG before FROM re-declared in the stage',
    dockerfile: `ARG SRC=web\n${S}ARG SRC\nCOPY $SRC /x\n`,
    exact: true,
  },
  {
    name: 'ARG before FROM, overridden by a build arg',
    dockerfile: `ARG SRC=web\n${S}ARG SRC\nCOPY $SRC /x\n`,
    args: { SRC: 'conf' },
    exact: true,
  },
  {
    name: 'stages keep their own ARGs; COPY --from is not a context input',
    dockerfile: `FROM scratch AS a\nARG SRC=web\nCOPY $SRC /a\nFROM scratch\nCOPY --from=a /a /a\nCOPY \${SRC:-lib} /b\n`,
    exact: true,
  },
  { name: 'ENV in the stage', dockerfile: `${S}ENV D=conf\nCOPY $D /c\n`, exact: true },
  {
    name: 'ENV inherited from a parent stage',
    dockerfile: `FROM scratch AS base\nENV D=conf\nFROM base\nCOPY $D/app.conf /c/\n`,
    exact: true,
  },
  { name: 'ENV wins over ARG', dockerfile: `${S}ARG D=web\nENV D=lib\nCOPY $D /x\n`, exact: true },
  { name: 'ENV built from an ARG', dockerfile: `${S}ARG BASE=deep\nENV D=\${BASE}/one\nCOPY $D /x\n`, exact: true },
  { name: 'wildcards in one folder', dockerfile: `${S}COPY *.txt /t/\n`, exact: true },
  { name: 'a wildcard matching a folder', dockerfile: `${S}COPY l?b /x\n`, exact: true },
  { name: 'JSON form with a variable', dockerfile: `${S}ARG SRC=web\nCOPY ["$SRC", "/x"]\n`, exact: true },
  { name: 'an absolute source is relative to the context', dockerfile: `${S}COPY /lib/x.js /x.js\n`, exact: true },
  {
    name: 'sources over a continued line, with flags',
    dockerfile: `${S}COPY --chown=0:0 web \\\n  conf /x/\n`,
    exact: true,
  },
  { name: '.dockerignore under a copied folder', dockerfile: `${S}COPY web /w\n`, ignore: 'web/app.js\n', exact: true },
  { name: 'COPY . after .dockerignore', dockerfile: `${S}COPY . /all\n`, ignore: 'lib\n*.md\n', exact: true },
  { name: 'a symlink as the source is followed', dockerfile: `${S}COPY link-to-conf /c\n`, exact: true },
  { name: 'ADD of a folder', dockerfile: `${S}ADD other /o\n`, exact: true },
  { name: 'an empty variable before a path', dockerfile: `${S}COPY $EMPTY/web /w\n`, exact: true },
  { name: 'ENV in the old space-separated form', dockerfile: `${S}ENV D conf\nCOPY $D /c\n`, exact: true },
  {
    name: 'several ARGs on one line expand with the values before the line',
    dockerfile: `${S}ARG A=web\nARG A=lib B=\${A}/index.html\nCOPY $B $A /b/\n`,
    exact: true,
  },
  { name: 'a nested default ${X:-$Y}', dockerfile: `${S}ARG Y=conf\nCOPY \${X:-$Y} /c\n`, exact: true },
  {
    name: 'a trailing slash and a dot-dot inside the context',
    dockerfile: `${S}COPY ./web/../lib/ /l/\n`,
    exact: true,
  },
  {
    name: 'stage names are case-insensitive',
    dockerfile: `FROM scratch AS Base\nENV D=other\nFROM base\nCOPY $D /o\n`,
    exact: true,
  },
  { name: 'a wildcard folder plus a file', dockerfile: `${S}COPY --chown=1:1 d*/one a.txt /x/\n`, exact: true },
  { name: 'JSON form with a space in the name', dockerfile: `${S}COPY ["with space.txt", "/x/"]\n`, exact: true },
  { name: 'wildcards after .dockerignore', dockerfile: `${S}COPY *.txt /t/\n`, ignore: 'b.txt\n', exact: true },
  { name: 'a global ARG naming the base', dockerfile: `ARG BASE=scratch\nFROM $BASE\nCOPY conf /c\n`, exact: true },
  { name: 'a character class', dockerfile: `${S}COPY [ab].txt /t/\n`, exact: true },
  { name: 'a double-quoted source', dockerfile: `${S}COPY "web" /w\n`, exact: true },
  { name: 'quotes inside a default', dockerfile: `${S}COPY \${X:-'other'} /o\n`, exact: true },
  {
    name: 'ARG value from a base image stage may be shadowed by its ENV',
    dockerfile: `FROM busybox\nARG SRC=web\nCOPY $SRC /srv\n`,
    exact: false,
  },
  {
    name: 'an undeclared variable with an image base',
    dockerfile: `FROM busybox\nCOPY \${NOPE}web /w\n`,
    exact: false,
  },
  { name: 'ONBUILD', dockerfile: `${S}ONBUILD COPY lib /l\nCOPY web /w\n`, exact: false },
  { name: 'a comment inside a continued COPY', dockerfile: `${S}COPY web \\\n# a comment\n  lib /x/\n`, exact: false },
  { name: 'a parser directive # escape=', dockerfile: '# escape=`\nFROM scratch\nCOPY web /w\n', exact: false },
];

// BuildKit forms: the reference build is the engine's BuildKit with the whole folder sent.
const BUILDKIT_CASES: FormCase[] = [
  {
    name: 'RUN --mount=type=bind of a folder',
    dockerfile: 'FROM busybox\nRUN --mount=type=bind,source=web,target=/m cp -r /m /copied\n',
    exact: true,
    buildkit: true,
  },
  {
    name: 'RUN --mount=type=bind of one file (src=)',
    dockerfile: 'FROM busybox\nRUN --mount=type=bind,src=a.txt,target=/a.txt cp /a.txt /copied-a\n',
    exact: true,
    buildkit: true,
  },
  {
    name: 'RUN --mount=type=bind of the whole context',
    dockerfile: 'FROM busybox\nRUN --mount=type=bind,target=/m cp -r /m /copied\n',
    exact: true,
    buildkit: true,
  },
  {
    name: 'a bind mount in a stage copied from',
    dockerfile:
      'FROM busybox AS b\nRUN --mount=type=bind,source=conf,target=/c cp -r /c /cc\nFROM scratch\nCOPY --from=b /cc /cc\nCOPY lib /l\n',
    exact: true,
    buildkit: true,
  },
  {
    name: 'a bind mount from another stage is not the context',
    dockerfile:
      'FROM scratch AS s\nCOPY conf /c\nFROM busybox\nRUN --mount=type=bind,from=s,source=/c,target=/m cp -r /m /got\n',
    exact: true,
    buildkit: true,
  },
  { name: 'COPY --chmod', dockerfile: `${S}COPY --chmod=640 web other/a.txt /w/\n`, exact: true, buildkit: true },
  {
    name: 'cache and secret mounts read no context file',
    dockerfile:
      'FROM busybox\nRUN --mount=type=cache,target=/c --mount=type=secret,id=tok cp /run/secrets/tok /c/x\nCOPY notes.md /n\n',
    exact: true,
    buildkit: true,
    secrets: { tok: 'not-a-context-file' },
  },
];

let root: string;
const exec = createExec();
beforeAll(async () => {
  const r = await execa('docker', ['info', '--format', '{{.ServerVersion}}'], { reject: false });
  if (r.exitCode !== 0)
    throw new Error(
      `no Docker engine answers (DOCKER_HOST=${process.env.DOCKER_HOST ?? 'default'}): run \`source scripts/ensure-docker.sh\``,
    );
  root = mkdtempSync(path.join(os.tmpdir(), 'pctl-inputs-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

// The regular files of a tar whose content says which context file they came from.
function copiedFromTar(tar: Buffer): string[] {
  const out: string[] = [];
  for (let off = 0; off + 512 <= tar.length; ) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const size = parseInt(h.subarray(124, 136).toString('ascii').replace(/\0.*$/, '').trim() || '0', 8);
    const type = String.fromCharCode(h[156]!);
    const body = tar.subarray(off + 512, off + 512 + size);
    if ((type === '0' || type === '\0') && body.subarray(0, 4).toString() === 'ctx:')
      out.push(body.toString('utf8').slice(4).split('\n')[0]!);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out.sort();
}

async function imageFiles(tag: string): Promise<string[]> {
  const id = (await execa('docker', ['create', tag, 'none'])).stdout.trim();
  try {
    const tar = await execa('docker', ['export', id], { encoding: 'buffer' });
    return copiedFromTar(Buffer.from(tar.stdout as unknown as Uint8Array));
  } finally {
    await execa('docker', ['rm', '-f', id], { reject: false });
  }
}

// Contents differ between cases, so no case's build reuses another's cached layers.
const content = (f: string, i: number) => `ctx:${f}\ncase ${i}`;

function makeContext(dir: string, c: FormCase, i: number) {
  for (const f of TREE) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), content(f, i));
  }
  symlinkSync('conf', path.join(dir, 'link-to-conf'));
  writeFileSync(path.join(dir, 'Dockerfile'), c.dockerfile);
  if (c.ignore) writeFileSync(path.join(dir, '.dockerignore'), c.ignore);
}

async function mapLimit<T>(items: T[], n: number, fn: (x: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}

describe('COPY/ADD inputs: pctl reads what the engine copies', () => {
  it(`agrees with the real engine on ${CASES.length} Dockerfile forms`, async () => {
    expect(await check(CASES, 0)).toBe('');
  }, 1_200_000);

  it(`agrees with the engine's BuildKit on ${BUILDKIT_CASES.length} BuildKit forms`, async () => {
    expect(await check(BUILDKIT_CASES, CASES.length)).toBe('');
  }, 600_000);
});

// The problems found building `cases` (numbered from `first`), one per line; '' when none.
async function check(cases: FormCase[], first: number): Promise<string> {
  const problems: string[] = [];
  // One build at a time: two cases with the same first steps make intermediate images of one ID
  // (same config, same second), and removing one case's image then removes the other's parent.
  await mapLimit(cases, 1, async (c, k) => {
    const i = first + k;
    const dir = path.join(root, `case${i}`);
    makeContext(dir, c, i);
    const spec: BuildSpec = {
      contextDir: dir,
      dockerfilePath: path.join(dir, 'Dockerfile'),
      args: c.args ?? {},
      builder: 'docker',
      ...(c.secrets ? { secrets: c.secrets } : {}),
    };
    const tag = `pctl-inputs-test:${i}`;
    if (c.buildkit) {
      // BuildKit from the whole folder: the analysis says nothing is known, so all of it is sent.
      const whole = await hashBuildInputs(spec);
      const analyzed = {
        ...whole.analyzed,
        selection: { entries: whole.analyzed.context, wholeContext: ['reference build'], copiesEverything: true },
      };
      const ok = await buildImage({ spec, ref: tag, exec, force: true, analyzed }).then(
        () => true,
        (e: Error) => (problems.push(`${c.name}: the BuildKit reference build failed: ${e.message}`), false),
      );
      if (!ok) return;
    } else {
      const argv = [
        'build',
        '-q',
        '--no-cache',
        '-t',
        tag,
        ...Object.entries(c.args ?? {}).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
        dir,
      ];
      const built = await execa('docker', argv, { env: { DOCKER_BUILDKIT: '0' }, reject: false });
      if (built.exitCode !== 0) {
        problems.push(`${c.name}: docker build failed: ${built.stderr}`);
        return;
      }
    }
    try {
      const engine = await imageFiles(tag);
      const rec = await hashBuildInputs(spec);
      const ours = Object.keys(rec.inputs)
        .filter((f) => TREE.includes(f))
        .sort();
      if (c.exact) {
        if (rec.wholeContext)
          problems.push(`${c.name}: pctl fell back to the whole context: ${rec.wholeContext.join('; ')}`);
        if (JSON.stringify(ours) !== JSON.stringify(engine))
          problems.push(`${c.name}:\n  pctl:   ${ours.join(' ')}\n  engine: ${engine.join(' ')}`);
        // Editing a copied file changes the tag; editing any other file does not.
        for (const f of TREE) {
          writeFileSync(path.join(dir, f), `${content(f, i)} edited`);
          const changed = (await hashBuildInputs(spec)).hash !== rec.hash;
          writeFileSync(path.join(dir, f), content(f, i));
          if (changed !== engine.includes(f))
            problems.push(`${c.name}: editing ${f} ${changed ? 'changed' : 'did not change'} the tag`);
        }
        // pctl's own build (only these files, as a tar stream) copies the same.
        const mine = `pctl-inputs-test:${i}-pctl`;
        try {
          await buildImage({
            spec,
            ref: mine,
            exec,
            force: true,
            labels: { 'managed-by': 'pctl', 'pctl-stack': 'inputs-test' },
            analyzed: rec.analyzed,
          });
          const fromTar = await imageFiles(mine);
          if (JSON.stringify(fromTar) !== JSON.stringify(engine))
            problems.push(
              `${c.name}: pctl's build copied ${fromTar.join(' ')}, the engine from the folder ${engine.join(' ')}`,
            );
        } catch (e) {
          problems.push(`${c.name}: pctl's build failed: ${(e as Error).message}`);
        } finally {
          await execa('docker', ['rmi', '-f', mine], { reject: false });
        }
      } else {
        if (!rec.wholeContext?.length)
          problems.push(`${c.name}: pctl claimed to know the inputs exactly (${ours.join(' ')})`);
        const missing = engine.filter((f) => !ours.includes(f));
        if (missing.length)
          problems.push(`${c.name}: the engine copied ${missing.join(' ')}, which pctl does not hash`);
      }
    } finally {
      await execa('docker', ['rmi', '-f', tag], { reject: false });
    }
  });
  return problems.join('\n');
}
