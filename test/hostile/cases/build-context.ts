// Hostile build contexts: FIFOs and devices where files belong, unreadable files,
// pathological .dockerignore patterns, symlink loops, huge lines, sources outside the
// context, option-like names, Dockerfile forms whose inputs cannot be known exactly.
import type { HostileCase, HostileFile } from '../case.js';

const stack = (name: string, services = 'api:\n    image: ./api') =>
  `name: ${name}\nservices:\n  ${services}\n    provider: { name: docker }\n`;
const withApi = (
  name: string,
  dockerfile: string,
  files: Record<string, HostileFile> = {},
): Record<string, HostileFile> => ({
  'pctl.yaml': stack(name),
  'api/Dockerfile': dockerfile,
  'api/src/app.js': 'console.log(1)\n',
  ...files,
});
const root = typeof process.getuid === 'function' && process.getuid() === 0;
const pathological = Array.from({ length: 40 }, () => '**/**/**/**/**/**/**/**/**/x').join('\n') + '\n';
const deep = Array.from({ length: 60 }, (_, i) => `d${i}`).join('/');

export const cases: HostileCase[] = [
  {
    name: 'a FIFO as the Dockerfile is refused at once, naming the service and the file',
    files: { 'pctl.yaml': stack('bc-fifo-df'), 'api/Dockerfile': { fifo: true } },
    argv: ['plan'],
    exit: 2,
    stderr: /service api: Dockerfile .*api\/Dockerfile is a FIFO \(named pipe\), not a regular file/,
    timeoutMs: 20_000,
  },
  {
    name: 'a Dockerfile symlinked to a FIFO is refused',
    files: { 'pctl.yaml': stack('bc-fifo-link'), 'api/pipe': { fifo: true }, 'api/Dockerfile': { symlink: 'pipe' } },
    argv: ['plan'],
    exit: 2,
    stderr: /service api: Dockerfile .*api\/Dockerfile is a FIFO/,
    timeoutMs: 20_000,
  },
  {
    name: 'a Dockerfile symlinked to /dev/zero is refused without reading it',
    files: { 'pctl.yaml': stack('bc-devzero'), 'api/Dockerfile': { symlink: '/dev/zero' } },
    argv: ['plan'],
    exit: 2,
    stderr: /service api: Dockerfile .*api\/Dockerfile is a device, not a regular file/,
    timeoutMs: 20_000,
  },
  {
    name: 'a FIFO as .dockerignore is refused at once',
    files: withApi('bc-fifo-ignore', 'FROM busybox\nCOPY src /app\n', { 'api/.dockerignore': { fifo: true } }),
    argv: ['plan'],
    exit: 2,
    stderr: /service api: \.dockerignore .*api\/\.dockerignore is a FIFO/,
    timeoutMs: 20_000,
  },
  {
    name: 'a FIFO as <Dockerfile>.dockerignore is refused at once',
    files: withApi('bc-fifo-dfignore', 'FROM busybox\nCOPY src /app\n', {
      'api/Dockerfile.dockerignore': { fifo: true },
    }),
    argv: ['plan'],
    exit: 2,
    stderr: /service api: \.dockerignore .*Dockerfile\.dockerignore is a FIFO/,
    timeoutMs: 20_000,
  },
  {
    name: '.dockerignore symlinked to /dev/zero is refused, not read',
    files: withApi('bc-ignore-zero', 'FROM busybox\nCOPY src /app\n', {
      'api/.dockerignore': { symlink: '/dev/zero' },
    }),
    argv: ['plan'],
    exit: 2,
    stderr: /\.dockerignore .* is a device/,
    timeoutMs: 20_000,
  },
  {
    name: 'a FIFO inside a copied context is hashed as a FIFO (Docker sends it as one) and never read',
    files: withApi('bc-fifo-ctx', 'FROM busybox\nCOPY . /app\n', { 'api/src/pipe': { fifo: true } }),
    argv: ['plan'],
    exit: 0,
    stdout: /create\s+bc-fifo-ctx-api/,
    timeoutMs: 20_000,
  },
  {
    name: 'a FIFO in the context shows in build --list, as Docker would send it',
    files: withApi('bc-fifo-list', 'FROM busybox\nCOPY . /app\n', { 'api/pipe': { fifo: true } }),
    argv: ['build', '--list', 'api'],
    exit: 0,
    stdout: /^Dockerfile\npipe\nsrc\/app\.js$/,
    timeoutMs: 20_000,
  },
  {
    name: 'an unreadable context file (mode 000): refused naming service, file and fix, unless root reads it anyway',
    files: withApi('bc-unreadable', 'FROM busybox\nCOPY src /app\n', {
      'api/src/secret.txt': { content: 'x', mode: 0o000 },
    }),
    argv: ['plan'],
    exit: root ? 0 : 2,
    stderr: root
      ? undefined
      : /service api: cannot read build context file .*src\/secret\.txt: permission denied \(make it readable/,
    never: ['EACCES'],
  },
  {
    name: '40 pathological **/** .dockerignore lines over a deep context do not blow up',
    files: withApi('bc-pathological', 'FROM busybox\nCOPY . /app\n', {
      'api/.dockerignore': pathological,
      [`api/${deep}/y`]: 'y',
      [`api/${deep}/x`]: 'x',
    }),
    argv: ['build', '--list', 'api'],
    exit: 0,
    stdout: new RegExp(`${deep}/y\\n`),
    timeoutMs: 30_000,
  },
  {
    name: 'a .dockerignore pattern Docker refuses (unclosed [) is an error with file:line',
    files: withApi('bc-bad-pattern', 'FROM busybox\nCOPY . /app\n', { 'api/.dockerignore': '*.log\nsrc/[abc\n' }),
    argv: ['plan'],
    exit: 2,
    stderr: /api\/\.dockerignore:2: syntax error in pattern "src\/\[abc"/,
  },
  {
    name: 'a symlink loop inside the context is not followed',
    files: withApi('bc-loop', 'FROM busybox\nCOPY . /app\n', { 'api/a': { symlink: 'b' }, 'api/b': { symlink: 'a' } }),
    argv: ['plan'],
    exit: 0,
    stdout: /create\s+bc-loop-api/,
    timeoutMs: 20_000,
  },
  {
    name: 'a symlink loop named as a COPY source ends after 40 links',
    files: withApi('bc-loop-src', 'FROM busybox\nCOPY loop /app\n', { 'api/loop': { symlink: 'loop' } }),
    argv: ['plan'],
    exit: 0,
    timeoutMs: 20_000,
  },
  {
    name: 'a symlink to / as a COPY source stays inside the context',
    files: withApi('bc-link-root', 'FROM busybox\nCOPY rootlink/etc/passwd /app\n', {
      'api/rootlink': { symlink: '/' },
    }),
    argv: ['plan'],
    exit: 0,
    timeoutMs: 20_000,
  },
  {
    name: 'a 1 MB line in the Dockerfile is parsed in time',
    files: withApi('bc-huge-line', `FROM busybox\nRUN echo ${'a'.repeat(1_000_000)}\nCOPY src /app\n`),
    argv: ['plan'],
    exit: 0,
    timeoutMs: 30_000,
  },
  {
    name: 'a COPY with 5,000 wildcard sources is matched in time',
    files: withApi(
      'bc-many-sources',
      `FROM busybox\nCOPY ${Array.from({ length: 5000 }, (_, i) => `s*${i}?`).join(' ')} /app/\n`,
    ),
    argv: ['plan'],
    exit: 0,
    timeoutMs: 30_000,
  },
  {
    name: 'COPY ../x is taken inside the context (as Docker keeps every source there)',
    files: withApi('bc-dotdot', 'FROM busybox\nCOPY ../../pctl.yaml /app/\n'),
    argv: ['plan'],
    exit: 0,
  },
  {
    name: 'an absolute COPY source is relative to the context',
    files: withApi('bc-absolute', 'FROM busybox\nCOPY /etc/passwd /app/\n'),
    argv: ['plan'],
    exit: 0,
  },
  {
    name: 'option-like file names in the context are only names',
    files: withApi('bc-dashes', 'FROM busybox\nCOPY . /app\n', {
      'api/--privileged': 'x',
      'api/-rf': 'y',
      'api/src/--': 'z',
    }),
    argv: ['build', '--list', 'api'],
    exit: 0,
    stdout: /^--privileged\n-rf\nDockerfile\nsrc\/--\nsrc\/app\.js$/,
  },
  {
    name: 'a context folder named like an option',
    files: {
      'pctl.yaml': stack('bc-dash-dir', 'api:\n    image: ./--api'),
      '--api/Dockerfile': 'FROM busybox\nCOPY . /app\n',
      '--api/x': 'x',
    },
    argv: ['build', '--list', 'api'],
    exit: 0,
    stdout: /^Dockerfile\nx$/,
  },
  {
    name: "build --list of one service never reads another service's build inputs",
    files: {
      'pctl.yaml': stack(
        'bc-list-cold',
        'api:\n    image: ./api\n    provider: { name: docker }\n  web:\n    image: ./web',
      ),
      'api/Dockerfile': 'FROM busybox\n',
      'web/Dockerfile': { fifo: true },
    },
    argv: ['build', '--list', 'api'],
    exit: 0,
    stdout: /^Dockerfile$/,
    timeoutMs: 20_000,
  },
  {
    name: 'build --explain: a RUN --mount=type=bind source is an input, the rest of the context is not',
    files: withApi(
      'bc-mount',
      'FROM busybox\nRUN --mount=type=bind,source=src/app.js,target=/ctx/app.js cat /ctx/app.js\n',
      { 'api/unread.txt': 'x\n' },
    ),
    argv: ['build', '--explain', 'api'],
    exit: 0,
    stdout:
      /inputs: the Dockerfile, build args and the 1 file it copies\n {2}context sent: only the 1 file the Dockerfile reads and the Dockerfile/,
  },
  {
    name: 'build --explain: ADD <url> makes the whole context count',
    files: withApi('bc-add-url', 'FROM busybox\nADD https://example.invalid/x.tgz /x\nCOPY src /app\n'),
    argv: ['build', '--explain', 'api'],
    exit: 0,
    stdout:
      /inputs: the whole context .*Dockerfile:2: ADD https:\/\/example\.invalid\/x\.tgz \(content from outside the context\)/,
  },
  {
    name: 'build --explain: an unterminated heredoc makes the whole context count',
    files: withApi('bc-heredoc', 'FROM busybox\nCOPY <<EOF /x\nhello\n'),
    argv: ['build', '--explain', 'api'],
    exit: 0,
    stdout: /inputs: the whole context .*the heredoc <<EOF is never closed/,
  },
  {
    name: 'build --explain: a foreign # syntax= frontend makes the whole context count',
    files: withApi('bc-syntax', '# syntax=example.invalid/frontend:1\nFROM busybox\nCOPY src /app\n'),
    argv: ['build', '--explain', 'api'],
    exit: 0,
    stdout: /inputs: the whole context .*# syntax=example\.invalid\/frontend:1/,
  },
  {
    name: 'build --explain: a variable the base image may set makes the whole context count',
    files: withApi('bc-unknown-var', 'FROM busybox\nCOPY $APP_DIR /app\n'),
    argv: ['build', '--explain', 'api'],
    exit: 0,
    stdout:
      /inputs: the whole context .*\$APP_DIR is not known before the build \(it may come from the ENV of busybox\)/,
  },
  {
    name: 'build --explain: known inputs send only those files as a tar stream',
    files: withApi('bc-known', 'FROM scratch\nARG SRC=src\nCOPY $SRC /app\n', { 'api/big.bin': 'x'.repeat(100_000) }),
    argv: ['build', '--explain', 'api'],
    exit: 0,
    stdout:
      /inputs: the Dockerfile, build args and the 1 file it copies\n {2}context sent: only the 1 file the Dockerfile reads and the Dockerfile, as a tar stream/,
  },
  {
    name: 'an invalid wildcard in COPY makes the whole context count instead of guessing',
    files: withApi('bc-bad-glob', 'FROM busybox\nCOPY src/[ab /app\n'),
    argv: ['build', '--explain', 'api'],
    exit: 0,
    stdout: /inputs: the whole context .*is not a valid pattern/,
  },
];
