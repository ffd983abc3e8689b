import { describe, expect, it } from 'vitest';
import { dockerfileInputs } from './dockerfileInputs.js';
import { parseDockerfile } from './dockerfileSyntax.js';
import { appendToStage, labelInstruction } from './dockerfile.js';

const sources = (df: string, args: Record<string, string> = {}) => dockerfileInputs(df, args);

describe('Dockerfile syntax', () => {
  it('joins continuations, drops comment and blank lines inside them, and takes heredoc bodies off', () => {
    const p = parseDockerfile(
      'FROM scratch\nRUN a \\\n# note\n\n  b\nCOPY <<EOF /x\nCOPY not-an-instruction /y\nEOF\nCOPY <<-END /z\n\tbody\n\tEND\nCOPY real /r\n',
    );
    expect(p.instructions.map((i) => `${i.keyword} ${i.args}`)).toEqual([
      'FROM scratch',
      'RUN a b',
      'COPY <<EOF /x',
      'COPY <<-END /z',
      'COPY real /r',
    ]);
    expect(p.instructions[1]!.commentInside).toBe(true);
    expect(p.instructions[2]!.heredocs).toEqual([{ word: 'EOF', body: 'COPY not-an-instruction /y' }]);
    expect(p.doubts).toEqual([]);
  });

  it('reads parser directives only at the top', () => {
    expect(parseDockerfile('# syntax=docker/dockerfile:1\n# escape=`\nFROM x\n').directives).toEqual({
      syntax: 'docker/dockerfile:1',
      escape: '`',
    });
    expect(parseDockerfile('FROM x\n# escape=`\n').directives).toEqual({});
  });
});

describe('Dockerfile inputs', () => {
  it('keeps heredoc COPY, COPY --from and a comment in a continued RUN out of the inputs', () => {
    const r = sources(
      '# syntax=docker/dockerfile:1.7\nFROM scratch AS a\nCOPY <<EOF /x\nhi\nEOF\nFROM scratch\nRUN a \\\n# why\n b\nCOPY --from=a /x /x\nCOPY src /s\n',
    );
    expect(r.unknown).toEqual([]);
    expect(r.copies.map((c) => c.source)).toEqual(['src']);
  });

  it('reads a RUN --mount=type=bind of the context as an input: its source, or all of it', () => {
    const mounts = (df: string) => sources(df).mounts.map((m) => m.source);
    expect(mounts('FROM scratch\nRUN --mount=type=bind,target=/c true\n')).toEqual(['.']);
    expect(mounts('FROM scratch\nRUN --mount=source=x,target=/c true\n')).toEqual(['x']);
    expect(
      mounts('FROM scratch\nRUN --mount=type=bind,src=go.sum,target=/s/go.sum --mount=type=cache,target=/c true\n'),
    ).toEqual(['go.sum']);
    expect(mounts('FROM scratch\nRUN --mount=type=secret,id=tok --mount=type=ssh true\n')).toEqual([]);
    expect(sources('FROM scratch\nRUN --mount=type=bind,source=go.sum,target=/s cat /s\n').unknown).toEqual([]);
  });

  it('falls back to the whole context where the inputs cannot be known, naming the line', () => {
    const why = (df: string, args: Record<string, string> = {}) => sources(df, args).unknown;
    expect(why('FROM scratch\nRUN --mount=type=bind,source=$X,target=/c true\n')).toEqual([
      'Dockerfile:2: RUN --mount=type=bind,source=$X (pctl does not expand mount options)',
    ]);
    expect(
      why(
        'FROM scratch AS a\nFROM scratch\nRUN --mount=type=bind,from=a,target=/c true\nRUN --mount=type=cache,target=/c true\n',
      ),
    ).toEqual([]);
    expect(why('FROM scratch\nADD https://example.com/a.tgz /a\n')).toEqual([
      'Dockerfile:2: ADD https://example.com/a.tgz (content from outside the context)',
    ]);
    expect(why('FROM scratch\nADD git@github.com:moby/moby.git /src\n')).toHaveLength(1);
    expect(why('FROM scratch\nONBUILD COPY . /app\n')).toEqual([
      'Dockerfile:2: ONBUILD (its instructions run in other builds)',
    ]);
    expect(why('FROM scratch\nCOPY <<EOF /x\nno end\n')).toEqual(['Dockerfile:2: the heredoc <<EOF is never closed']);
    expect(why('FROM scratch\nCOPY a \\\n# c\n b /x\n')).toEqual(['Dockerfile:2: a comment inside the continued COPY']);
    expect(why('# syntax=example.com/frontend\nFROM scratch\nCOPY a /a\n')[0]).toMatch(
      /# syntax=example\.com\/frontend/,
    );
    expect(why('# escape=`\nFROM scratch\nCOPY a /a\n')[0]).toMatch(/# escape=`/);
    expect(why('FROM node:20\nCOPY $NODE_VERSION /a\n')[0]).toMatch(
      /\$NODE_VERSION is not known before the build \(it may come from the ENV of node:20\)/,
    );
    expect(why('FROM scratch\nARG TARGETARCH\nCOPY bin/$TARGETARCH /b\n')[0]).toMatch(/\$TARGETARCH/);
    expect(why('FROM scratch\nARG TARGETARCH\nCOPY bin/$TARGETARCH /b\n', { TARGETARCH: 'arm64' })).toEqual([]);
  });

  it('expands ARG/ENV per stage, with build args and global ARGs', () => {
    const df =
      'ARG V=1\nARG BASE=scratch\nFROM ${BASE} AS one\nARG V\nARG DIR=d$V\nENV E=$DIR/e\nCOPY $E /x\nFROM one\nCOPY $E/more ${DIR:-none} /y\n';
    expect(sources(df).copies.map((c) => c.source)).toEqual(['d1/e', 'd1/e/more', 'none']);
    expect(sources(df, { V: '2' }).copies.map((c) => c.source)).toEqual(['d2/e', 'd2/e/more', 'none']);
    expect(sources(df, { DIR: 'z' }).copies.map((c) => c.source)).toEqual(['z/e', 'z/e/more', 'none']);
  });
});

describe('in-memory additions', () => {
  it('puts labels and entrypoint in the stage that is built, in one LABEL line', () => {
    const df = 'FROM scratch AS build\nCOPY a /a\nFROM scratch AS final\nCOPY b /b\n';
    const labels = labelInstruction({ 'managed-by': 'pctl', 'pctl-stack': 'a"b$c' });
    expect(labels).toEqual(['LABEL "managed-by"="pctl" "pctl-stack"="a\\"b\\$c"']);
    expect(appendToStage(df, labels, 'build')).toBe(
      `FROM scratch AS build\nCOPY a /a\n${labels[0]}\nFROM scratch AS final\nCOPY b /b\n`,
    );
    expect(appendToStage(df, labels)).toBe(`${df}${labels[0]}\n`);
  });
});
