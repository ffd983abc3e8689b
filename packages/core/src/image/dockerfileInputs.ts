// Which context paths a Dockerfile reads, with ARG/ENV expanded as Docker expands them:
// ARGs before the first FROM serve FROM lines (and stages that re-declare them), each
// stage has its own ARGs, build args override declared defaults, ENV wins over ARG and is
// inherited by stages built FROM the stage. Where the paths cannot be known exactly, the
// reasons are returned (the caller then takes the whole context).
import { parseDockerfile, splitFlags, instructionWords, type Instruction } from './dockerfileSyntax.js';
import { expandWord, UNKNOWN_VALUE, type VariableLookup } from './shellExpand.js';

export interface CopySource {
  /** The source after expansion, as written (may hold wildcards). */
  source: string;
  dest: string;
  line: number;
  keyword: 'COPY' | 'ADD';
}

/** A `RUN --mount=type=bind` of the context: its source (`.` without one) is read by the build. */
export interface MountSource {
  source: string;
  line: number;
  keyword: 'RUN --mount';
}

export interface DockerfileInputs {
  /** COPY/ADD sources read from the context, in order. */
  copies: CopySource[];
  /** Context paths bind-mounted into RUN steps. */
  mounts: MountSource[];
  /** Build secrets RUN steps mount (`--mount=type=secret`), by id. */
  secrets: { id: string; line: number; required: boolean }[];
  /** ssh agents RUN steps mount (`--mount=type=ssh`), by id (`default` without one). */
  ssh: { id: string; line: number }[];
  /** Why the context paths read cannot be known exactly ("Dockerfile:4: ..."): empty when they can. */
  unknown: string[];
}

type Value = string | typeof UNKNOWN_VALUE;

interface Stage {
  name?: string;
  /** ENV of the stage (inherited from a parent stage of this file). */
  env: Map<string, Value>;
  /** ARGs declared in the stage: their value, or undefined when unset. */
  args: Map<string, Value | undefined>;
  /** Base is an image pctl cannot see into: any variable may come from its ENV. */
  opaqueBase?: string;
}

// BuildKit fills these in itself (from the platform) when a stage declares them.
const AUTOMATIC_ARGS = new Set([
  'TARGETPLATFORM',
  'TARGETOS',
  'TARGETARCH',
  'TARGETVARIANT',
  'BUILDPLATFORM',
  'BUILDOS',
  'BUILDARCH',
  'BUILDVARIANT',
  'TARGETSTAGE',
  'BUILDKIT_SYNTAX',
]);

const URL_SOURCE = /^([a-z][a-z0-9+.-]*:\/\/|git@)/i;
const OFFICIAL_SYNTAX = /^(docker\.io\/)?docker\/dockerfile(-upstream)?(:[A-Za-z0-9._-]+)?(@sha256:[0-9a-f]{64})?$/;

// `KEY=value` pairs of ARG/ENV (ENV also takes the old `ENV KEY value` form).
function pairs(args: string, keyword: 'ARG' | 'ENV'): { key: string; raw?: string }[] {
  const words = args.match(/(?:[^\s"'\\]|\\.|"(?:[^"\\]|\\.)*"|'[^']*')+/g) ?? [];
  if (keyword === 'ENV' && words.length && !words[0]!.includes('=')) {
    return [{ key: words[0]!, raw: args.slice(args.indexOf(words[0]!) + words[0]!.length).trim() }];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    return eq < 0 ? { key: w } : { key: w.slice(0, eq), raw: w.slice(eq + 1) };
  });
}

// The context paths a Dockerfile reads, for the given build args.
export function dockerfileInputs(text: string, buildArgs: Record<string, string>): DockerfileInputs {
  const parsed = parseDockerfile(text);
  const unknown = parsed.doubts.map((d) => `Dockerfile:${d.line}: ${d.why}`);
  const esc = parsed.escape;
  if (parsed.directives.escape !== undefined)
    unknown.push(
      `Dockerfile:1: the parser directive "# escape=${parsed.directives.escape}" (pctl reads only the default escape)`,
    );
  const syntax = parsed.directives.syntax;
  if (syntax !== undefined && !OFFICIAL_SYNTAX.test(syntax))
    unknown.push(`Dockerfile:1: "# syntax=${syntax}" names a frontend pctl cannot read for`);
  const copies: CopySource[] = [];
  const mounts: MountSource[] = [];
  const secrets: DockerfileInputs['secrets'] = [];
  const ssh: DockerfileInputs['ssh'] = [];
  const globalArgs = new Map<string, Value | undefined>();
  const stages: Stage[] = [];
  let stage: Stage | undefined;

  const lookupIn =
    (s: Stage | undefined): VariableLookup =>
    (name) => {
      if (!s) return globalArgs.has(name) ? globalArgs.get(name) : undefined;
      if (s.env.has(name)) return s.env.get(name);
      // An image's ENV wins over ARG, and pctl does not read the image.
      if (s.opaqueBase) return UNKNOWN_VALUE;
      return s.args.get(name);
    };
  const expand = (word: string, ins: Instruction, what: string): string | undefined => {
    const r = expandWord(word, lookupIn(stage), esc);
    if ('value' in r) return r.value;
    const base =
      stage?.opaqueBase && /is not known before/.test(r.unknown)
        ? ` (it may come from the ENV of ${stage.opaqueBase})`
        : '';
    unknown.push(`Dockerfile:${ins.line}: ${what} ${JSON.stringify(word)}: ${r.unknown}${base}`);
    return undefined;
  };

  for (const ins of parsed.instructions) {
    const where = `Dockerfile:${ins.line}`;
    switch (ins.keyword) {
      // Every value on one ARG/ENV line is expanded with the variables as they were before
      // the line (`ENV A=1 B=$A` gives B the old A), then all are set.
      case 'ARG': {
        const values = pairs(ins.args, 'ARG').map(({ key, raw }) => {
          let v: Value | undefined;
          if (key in buildArgs) v = buildArgs[key];
          else if (raw !== undefined) v = expand(raw, ins, `ARG ${key}`) ?? UNKNOWN_VALUE;
          else if (stage && globalArgs.has(key)) v = globalArgs.get(key);
          else if (AUTOMATIC_ARGS.has(key)) v = UNKNOWN_VALUE;
          return [key, v] as const;
        });
        for (const [key, v] of values) (stage ? stage.args : globalArgs).set(key, v);
        break;
      }
      case 'ENV': {
        if (!stage) break;
        const values = pairs(ins.args, 'ENV')
          .filter((p) => p.raw !== undefined)
          .map(({ key, raw }) => [key, expand(raw!, ins, `ENV ${key}`) ?? UNKNOWN_VALUE] as const);
        for (const [key, v] of values) stage.env.set(key, v);
        break;
      }
      case 'FROM': {
        const { rest } = splitFlags(ins.args);
        const words = rest.split(/\s+/);
        stage = undefined;
        const image = expand(words[0] ?? '', ins, 'FROM');
        const parent =
          image === undefined ? undefined : stages.find((s) => s.name !== undefined && s.name === image.toLowerCase());
        const next: Stage = { env: new Map(parent?.env ?? []), args: new Map() };
        // A stage of this file passes its ENV on; `scratch` has none; any other image may have some.
        if (parent) next.opaqueBase = parent.opaqueBase;
        else if (image?.toLowerCase() !== 'scratch') next.opaqueBase = image ?? words[0] ?? 'the base image';
        if (words[1]?.toLowerCase() === 'as' && words[2]) next.name = words[2].toLowerCase();
        stages.push(next);
        stage = next;
        break;
      }
      case 'ONBUILD':
        unknown.push(`${where}: ONBUILD (its instructions run in other builds)`);
        break;
      case 'RUN': {
        for (const f of splitFlags(ins.args).flags) {
          if (f.name !== 'mount') continue;
          const opts = Object.fromEntries(
            (f.value ?? '').split(',').map((kv) => [kv.split('=')[0]!.toLowerCase(), kv.split('=').slice(1).join('=')]),
          );
          if (opts.type === 'secret') {
            // BuildKit's default id is the target's file name.
            const id = opts.id || (opts.target ?? opts.dst ?? opts.destination ?? '').split('/').filter(Boolean).pop();
            if (id) secrets.push({ id, line: ins.line, required: opts.required === '' || opts.required === 'true' });
            continue;
          }
          if (opts.type === 'ssh') {
            ssh.push({ id: opts.id || 'default', line: ins.line });
            continue;
          }
          if ((opts.type ?? 'bind') !== 'bind' || opts.from) continue;
          // The context (or a path in it) mounted into the step: read like a COPY source.
          const source = opts.source ?? opts.src ?? '.';
          if (/[$"'\\]/.test(source))
            unknown.push(`${where}: RUN --mount=type=bind,source=${source} (pctl does not expand mount options)`);
          else mounts.push({ source, line: ins.line, keyword: 'RUN --mount' });
        }
        break;
      }
      case 'COPY':
      case 'ADD': {
        if (ins.commentInside) unknown.push(`${where}: a comment inside the continued ${ins.keyword}`);
        const { flags, rest } = splitFlags(ins.args);
        if (flags.some((f) => f.name === 'from')) break;
        const { words } = instructionWords(rest);
        if (words.length < 2) break;
        const dest = words[words.length - 1]!;
        for (const raw of words.slice(0, -1)) {
          // A heredoc's text is in the Dockerfile itself.
          if (ins.heredocs.length && /^<<-?["']?[A-Za-z0-9_.-]+["']?$/.test(raw)) continue;
          const source = expand(raw, ins, `${ins.keyword} source`);
          if (source === undefined) continue;
          if (URL_SOURCE.test(source)) {
            unknown.push(`${where}: ${ins.keyword} ${source} (content from outside the context)`);
            continue;
          }
          copies.push({ source, dest, line: ins.line, keyword: ins.keyword });
        }
        break;
      }
    }
  }
  return { copies, mounts, secrets, ssh, unknown };
}
