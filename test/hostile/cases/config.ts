// Hostile stack files: files that are not regular, bombs, deep nesting, keys JavaScript
// cannot hold, references, names, ports, volumes, build paths, resolvers, plugins and other
// custom modules. Each ends with exit 2 (invalid config) and one line naming file:line and
// path, or exit 0 where a file the original pctl accepts must load.
import type { HostileCase } from '../case.js';

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// The one error line: `error: pctl.yaml:<line> <path>: ...<text>...`.
const at = (line: number, path: string, text: string | RegExp, file = 'pctl.yaml') =>
  new RegExp(
    `error: (${esc(file)}: \\d+ errors, first: )?${esc(file)}:${line} ${esc(path)}: .*${typeof text === 'string' ? esc(text) : text.source}`,
  );
const VALID = /valid \(stack/;

const api = (extra = '', image = 'busybox:latest') =>
  `name: hostile\nservices:\n  api:\n    image: ${image}\n    provider: { name: docker }\n${extra}`;
const nested = (open: string, close: string, n: number) =>
  `name: hostile\ncustom:\n  deep: ${open.repeat(n)}${close.repeat(n)}\nservices: {}\n`;
const manyKeys = (n: number, tail = '') =>
  `name: hostile\ncustom:\n${Array.from({ length: n }, (_, i) => `  key${i}: value-${i}`).join('\n')}\n${tail}services: {}\n`;
const selfBomb = () => {
  const lines = ['name: hostile', 'custom:', '  l0: [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 29; i++)
    lines.push(
      `  l${i}: [${Array(10)
        .fill(`"\${self:custom.l${i - 1}}"`)
        .join(', ')}]`,
    );
  return `${lines.join('\n')}\nservices:\n  api:\n    image: busybox:latest\n    command: "\${self:custom.l28}"\n    provider: { name: docker }\n`;
};
const plugin = (body: string, extra = '') => ({
  'p.mjs': body,
  'pctl.yaml': `name: hostile\nplugin: [./p.mjs]\n${extra}services:\n  api: { image: busybox:latest, provider: { name: docker } }\n`,
});
// AWS look-ups sent only to a closed port on 127.0.0.1, with fake credentials.
const awsEnv = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIAFAKE',
  AWS_SECRET_ACCESS_KEY: 'fake',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_ENDPOINT_URL_SSM: 'http://127.0.0.1:9',
  AWS_ENDPOINT_URL_CLOUDFORMATION: 'http://127.0.0.1:9',
  AWS_MAX_ATTEMPTS: '1',
};
const validate = ['validate'];

export const cases: HostileCase[] = [
  // --- the stack file itself
  {
    name: 'a FIFO as the stack file is refused at once',
    files: { 'pctl.yaml': { fifo: true } },
    argv: validate,
    exit: 2,
    stderr: /error: pctl\.yaml the stack file is a FIFO \(named pipe\), not a regular file/,
    timeoutMs: 20_000,
  },
  {
    name: 'a symlink to a FIFO as the stack file is refused',
    files: { pipe: { fifo: true }, 'pctl.yaml': { symlink: 'pipe' } },
    argv: validate,
    exit: 2,
    stderr: /FIFO/,
    timeoutMs: 20_000,
  },
  {
    name: '-c /dev/zero is refused without reading it',
    files: {},
    argv: ['validate', '-c', '/dev/zero'],
    exit: 2,
    stderr: /the stack file is a character device, not a regular file/,
    timeoutMs: 20_000,
  },
  {
    name: '-c a directory is refused',
    files: { 'folder/x': 'x' },
    argv: ['validate', '-c', 'folder'],
    exit: 2,
    stderr: /error: folder the stack file is a directory/,
  },
  {
    name: 'a stack file over 4 MB is refused',
    files: { 'pctl.yaml': `name: hostile\nservices: {}\n#${'x'.repeat(4 * 1024 * 1024)}\n` },
    argv: validate,
    exit: 2,
    stderr: /larger than 4194304 bytes/,
  },
  {
    name: 'a missing stack file names the file and the fix',
    files: {},
    argv: ['validate', '-c', 'nope.yaml'],
    exit: 2,
    stderr: /stack file not found: nope\.yaml \(pass -c <file>/,
  },
  {
    name: 'an empty stack file',
    files: { 'pctl.yaml': '' },
    argv: validate,
    exit: 2,
    stderr: /pctl\.yaml:1 the stack file must be a map/,
  },
  {
    name: 'a list instead of a map',
    files: { 'pctl.yaml': '- a\n- b\n' },
    argv: validate,
    exit: 2,
    stderr: /pctl\.yaml:1 the stack file must be a map/,
  },
  {
    name: 'malformed YAML names the line',
    files: { 'pctl.yaml': 'name: hostile\nservices:\n  api: [unclosed\n' },
    argv: validate,
    exit: 2,
    stderr: /error: pctl\.yaml:\d+ /,
  },
  {
    name: 'two YAML documents',
    files: { 'pctl.yaml': 'name: hostile\nservices: {}\n---\nname: other\n' },
    argv: validate,
    exit: 2,
    stderr: /pctl\.yaml:\d+ .*document/i,
  },
  {
    name: 'a duplicate key names its line',
    files: { 'pctl.yaml': 'name: hostile\nname: again\nservices: {}\n' },
    argv: validate,
    exit: 2,
    stderr: at(2, 'name', 'duplicate key "name": map keys must be unique'),
  },
  {
    name: '40,000 keys under custom load in seconds',
    files: { 'pctl.yaml': manyKeys(40_000) },
    argv: validate,
    exit: 0,
    stdout: VALID,
    timeoutMs: 30_000,
  },
  {
    name: 'a duplicate among 40,000 keys is found fast, with its line',
    files: { 'pctl.yaml': manyKeys(40_000, '  key7: again\n') },
    argv: validate,
    exit: 2,
    stderr: at(40_003, 'custom.key7', 'map keys must be unique'),
    timeoutMs: 30_000,
  },
  {
    name: 'a YAML alias bomb is refused',
    files: {
      'pctl.yaml': `name: hostile\ncustom:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n${'bcdefghij'
        .split('')
        .map((l, i) => `  ${l}: &${l} [${Array(10).fill(`*${'abcdefghij'[i]}`).join(', ')}]`)
        .join('\n')}\nservices: {}\n`,
    },
    argv: validate,
    exit: 2,
    stderr: /pctl\.yaml:\d+ custom\.\w(\.\d+)?: YAML aliases expand to more than \d+ values; alias bombs are refused/,
    timeoutMs: 20_000,
  },
  {
    name: 'flow nesting 1,000 levels deep says what and where',
    files: { 'pctl.yaml': nested('[', ']', 1000) },
    argv: validate,
    exit: 2,
    stderr: /error: pctl\.yaml:3 nested more than \d+ levels deep/,
  },
  {
    name: 'map nesting 100,000 levels deep',
    files: { 'pctl.yaml': nested('{a: ', '}', 100_000) },
    argv: validate,
    exit: 2,
    stderr: /error: pctl\.yaml:3 nested more than \d+ levels deep/,
    timeoutMs: 30_000,
  },
  {
    name: 'block nesting 1,000 levels deep',
    files: {
      'pctl.yaml': `name: hostile\ncustom:\n${Array.from({ length: 1000 }, (_, i) => `${' '.repeat(2 * i + 2)}k${i}:`).join('\n')} 1\nservices: {}\n`,
    },
    argv: validate,
    exit: 2,
    stderr: /error: pctl\.yaml:\d+ nested more than \d+ levels deep/,
  },
  {
    name: 'a list as a map key is a clear error, not a Node warning',
    files: { 'pctl.yaml': 'name: hostile\nservices:\n  ? [a]\n  : { image: x, provider: { name: docker } }\n' },
    argv: validate,
    exit: 2,
    stderr: at(3, 'services', 'a map key must be a string, not a list or a map'),
  },
  {
    name: 'a number as a service name must be quoted',
    files: { 'pctl.yaml': 'name: hostile\nservices:\n  1: { image: x, provider: { name: docker } }\n' },
    argv: validate,
    exit: 2,
    stderr: at(3, 'services', 'map key 1 is a number, not a string: quote it ("1")'),
  },
  {
    name: 'a boolean as an env key must be quoted',
    files: { 'pctl.yaml': api('    env: { true: x }\n') },
    argv: validate,
    exit: 2,
    stderr: /pctl\.yaml:\d+ services\.api\.env: map key true is a boolean/,
  },
  {
    name: 'a service named __proto__ is refused, not dropped',
    files: { 'pctl.yaml': 'name: hostile\nservices:\n  __proto__: { image: x, provider: { name: docker } }\n' },
    argv: validate,
    exit: 2,
    stderr: at(3, 'services.__proto__', 'is not allowed'),
  },
  {
    name: 'an env key __proto__ is refused, not dropped',
    files: { 'pctl.yaml': api('    env:\n      __proto__: x\n') },
    argv: validate,
    exit: 2,
    stderr: at(7, 'services.api.env.__proto__', 'is not allowed'),
  },
  {
    name: 'a top-level typo gets a "did you mean"',
    files: { 'pctl.yaml': 'name: hostile\nservics: {}\nservices: {}\n' },
    argv: validate,
    exit: 2,
    stderr: at(2, 'servics', 'unknown field "servics" (did you mean "services"?)'),
  },
  {
    name: 'a service field typo gets a "did you mean"',
    files: { 'pctl.yaml': api('    imgae: x\n') },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.imgae', 'did you mean "image"?'),
  },
  {
    name: 'documented metadata (description, version) is accepted',
    files: { 'pctl.yaml': `version: 1.2\ndescription: the shop\n${api('    description: the api\n')}` },
    argv: validate,
    exit: 0,
    stdout: VALID,
  },
  {
    name: 'a number where a map belongs',
    files: { 'pctl.yaml': api('    scale: 7\n') },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.scale', 'expected object'),
  },

  // --- references
  {
    name: 'an unterminated ${env:X is an error, not passed through',
    files: { 'pctl.yaml': api('    command: "echo ${env:X"\n') },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.command', 'unterminated reference "${env:X": close it with }'),
  },
  {
    name: 'an unset env var names the reference and the fix',
    files: { 'pctl.yaml': api('    command: "echo ${env:PCTL_HOSTILE_UNSET}"\n') },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.command', 'environment variable PCTL_HOSTILE_UNSET is not set'),
  },
  {
    name: 'an unset env var does not hide the schema errors below it',
    files: {
      'pctl.yaml': api('    command: "${env:PCTL_HOSTILE_UNSET}"\n    scale: { replica: many }\n    portz: [1]\n'),
    },
    argv: validate,
    exit: 2,
    stderr:
      /pctl\.yaml: 3 errors, first: pctl\.yaml:6 services\.api\.command: .*PCTL_HOSTILE_UNSET[\s\S]*pctl\.yaml:7 services\.api\.scale\.replica[\s\S]*pctl\.yaml:8 services\.api\.portz/,
  },
  {
    name: 'a secret in dependsOn is never printed',
    files: { 'pctl.yaml': api('    dependsOn: ["${env:DB_PW}"]\n') },
    env: { DB_PW: 'hunter2-TOPSECRET' },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.dependsOn.0', 'unknown service "***" (services: api)'),
    never: ['hunter2', 'TOPSECRET'],
  },
  {
    name: 'a short secret in dependsOn is never printed',
    files: { 'pctl.yaml': api('    dependsOn: ["${env:PIN}"]\n') },
    env: { PIN: 'qz7' },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.dependsOn.0', 'unknown service "***"'),
    never: ['qz7'],
  },
  {
    name: 'a secret from ${file:...} in dependsOn is never printed',
    files: { 'pw.txt': 'file-s3cret-9931\n', 'pctl.yaml': api('    dependsOn: ["${file:pw.txt}"]\n') },
    argv: validate,
    exit: 2,
    stderr: /unknown service "\*\*\*"/,
    never: ['file-s3cret-9931'],
  },
  {
    name: 'a secret inside an image path is never printed',
    files: { 'pctl.yaml': api('', '"./../${env:TOKEN}"') },
    env: { TOKEN: 'tok-8812-secret' },
    argv: validate,
    exit: 2,
    stderr: at(4, 'services.api.image', '"***" leaves the stack file\'s folder'),
    never: ['tok-8812-secret'],
  },
  {
    name: 'nested ${self:...} lists (29 levels of 10) are refused quickly',
    files: { 'pctl.yaml': selfBomb() },
    argv: validate,
    exit: 2,
    stderr:
      /error: pctl\.yaml:\d+ custom\.l\d+(\.\d+)?: .*expand to more than \d+ values in all; expansion bombs are refused/,
    timeoutMs: 20_000,
  },
  {
    name: 'a string that doubles through ${self:...} is refused',
    files: {
      'pctl.yaml': `name: hostile\ncustom:\n  s0: xxxxxxxxxxxxxxxx\n${Array.from({ length: 40 }, (_, i) => `  s${i + 1}: "\${self:custom.s${i}}\${self:custom.s${i}}"`).join('\n')}\nservices: {}\n`,
    },
    argv: validate,
    exit: 2,
    stderr: /error: pctl\.yaml:\d+ custom\.s\d+: .*(longer than|more than) \d+ characters/,
    timeoutMs: 20_000,
  },
  {
    name: 'a ${self:...} loop',
    files: { 'pctl.yaml': 'name: hostile\ncustom:\n  a: ${self:custom.b}\n  b: ${self:custom.a}\nservices: {}\n' },
    argv: validate,
    exit: 2,
    stderr: /pctl\.yaml:[34] custom\.[ab]: reference loop/,
  },
  {
    name: '${self:...} to a path that does not exist',
    files: { 'pctl.yaml': api('    command: "${self:custom.nope}"\n') },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.command', 'no value at "custom.nope"'),
  },
  {
    name: '${self:constructor} finds nothing (no prototype keys)',
    files: { 'pctl.yaml': api('    command: "${self:constructor}"\n') },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.command', 'no value at "constructor"'),
  },
  {
    name: '${file:...} of a FIFO is refused at once, even with a fallback',
    files: { pipe: { fifo: true }, 'pctl.yaml': api('    command: "${file:pipe, x}"\n') },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.command', 'is a FIFO (named pipe), not a regular file'),
    timeoutMs: 20_000,
  },
  {
    name: '${file:/dev/zero} is refused without reading it',
    files: { 'pctl.yaml': api('    command: "${file:/dev/zero}"\n') },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.command', 'character device'),
    timeoutMs: 20_000,
  },
  {
    name: '${file:...} of a directory',
    files: { 'd/x': 'x', 'pctl.yaml': api('    command: "${file:d}"\n') },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.command', 'is a directory'),
  },
  {
    name: '${file:...} of a missing file without a fallback',
    files: { 'pctl.yaml': api('    command: "${file:nope.txt}"\n') },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.command', 'nope.txt not found'),
  },
  {
    name: '${file:...} over 1 MB',
    files: { 'big.txt': 'x'.repeat(1024 * 1024 + 1), 'pctl.yaml': api('    command: "${file:big.txt}"\n') },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.command', 'larger than 1048576 bytes'),
  },
  {
    name: 'an unknown resolver',
    files: { 'pctl.yaml': api('    command: "${vault:x}"\n') },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.command', 'unknown resolver "vault"'),
  },
  {
    name: 'env values pass as written (007, 1.10, 0x1F, 20 digits)',
    files: { 'pctl.yaml': api('    env: { A: 007, B: 1.10, C: 0x1F, D: 12345678901234567890, E: True }\n') },
    argv: validate,
    exit: 0,
    stdout: VALID,
  },

  // --- names
  {
    name: 'names as the original accepts them (My_App, my_api)',
    files: {
      'pctl.yaml': 'name: My_App\nservices:\n  my_api: { image: busybox:latest, provider: { name: docker } }\n',
    },
    argv: validate,
    exit: 0,
    stdout: /valid \(stack My_App, 1 service\)/,
  },
  {
    name: 'two services mapping to one resource name are refused, naming both',
    files: {
      'pctl.yaml':
        'name: shop\nservices:\n  my_api: { image: x, provider: { name: docker } }\n  my-api: { image: x, provider: { name: docker } }\n',
    },
    argv: validate,
    exit: 2,
    stderr: at(4, 'services.my-api', 'services "my_api" and "my-api" both map to the resource name "shop-my-api"'),
  },
  {
    name: 'case alone does not make two names different',
    files: {
      'pctl.yaml':
        'name: shop\nservices:\n  Api: { image: x, provider: { name: docker } }\n  api: { image: x, provider: { name: docker } }\n',
    },
    argv: validate,
    exit: 2,
    stderr: /both map to the resource name "shop-api"/,
  },
  {
    name: 'a service name with shell characters',
    files: {
      'pctl.yaml': 'name: hostile\nservices:\n  "a;touch /tmp/pwned": { image: x, provider: { name: docker } }\n',
    },
    argv: validate,
    exit: 2,
    stderr: at(3, 'services.a;touch /tmp/pwned', "service name may hold letters, digits, '-' and '_'"),
  },
  {
    name: 'a stack name starting with a dash (an option)',
    files: { 'pctl.yaml': 'name: "-rf"\nservices: {}\n' },
    argv: validate,
    exit: 2,
    stderr: at(1, 'name', 'stack name may hold'),
  },
  {
    name: 'a unicode service name',
    files: { 'pctl.yaml': 'name: hostile\nservices:\n  ünï: { image: x, provider: { name: docker } }\n' },
    argv: validate,
    exit: 2,
    stderr: /pctl\.yaml:3 services\.ünï: service name may hold/,
  },
  {
    name: 'a dotted service name (ambiguous in ${self:...})',
    files: { 'pctl.yaml': 'name: hostile\nservices:\n  web.api: { image: x, provider: { name: docker } }\n' },
    argv: validate,
    exit: 2,
    stderr: /services\.web\.api: service name may hold/,
  },
  {
    name: 'a stack-service key over 63 characters',
    files: { 'pctl.yaml': `name: hostile\nservices:\n  ${'s'.repeat(60)}: { image: x, provider: { name: docker } }\n` },
    argv: validate,
    exit: 2,
    stderr: /pctl\.yaml:3 services\.s+: "hostile-s+" \(stack-service\) must be at most 63 characters/,
  },
  {
    name: '--name with a space',
    files: { 'pctl.yaml': 'name: hostile\nservices: {}\n' },
    argv: ['validate', '--name', 'Bad Name'],
    exit: 2,
    stderr: /error: pctl\.yaml --name: stack name may hold/,
  },
  {
    name: '--name that is an option',
    files: { 'pctl.yaml': 'name: hostile\nservices: {}\n' },
    argv: ['validate', '--name=--privileged'],
    exit: 2,
    stderr: /--name: stack name may hold/,
  },
  {
    name: '--name My_Env as the original accepts it',
    files: { 'pctl.yaml': 'name: hostile\nservices: {}\n' },
    argv: ['validate', '--name', 'My_Env'],
    exit: 0,
    stdout: /stack My_Env/,
  },

  {
    name: 'dependsOn a prototype name (constructor) is an unknown service',
    files: { 'pctl.yaml': api('    dependsOn: [constructor, toString]\n') },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.dependsOn.0', 'unknown service "constructor" (services: api)'),
  },
  {
    name: 'a service named constructor is kept as a service',
    files: {
      'pctl.yaml': 'name: hostile\nservices:\n  constructor: { image: busybox:latest, provider: { name: docker } }\n',
    },
    argv: validate,
    exit: 0,
    stdout: /1 service\)/,
  },
  {
    name: 'plan refuses a FIFO stack file too',
    files: { 'pctl.yaml': { fifo: true } },
    argv: ['plan'],
    exit: 2,
    stderr: /error: pctl\.yaml the stack file is a FIFO/,
    timeoutMs: 20_000,
  },

  // --- ports
  {
    name: 'a port listed twice as number and string',
    files: { 'pctl.yaml': api('    ports: [8080, "8080"]\n') },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.ports.1', 'container port 8080/tcp is already listed'),
  },
  {
    name: 'a host port out of range (99999:0)',
    files: { 'pctl.yaml': api('    ports: ["99999:0"]\n') },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.ports.0', 'host port 99999 is outside 1-65535'),
  },
  {
    name: 'a container port out of range (70000/udp)',
    files: { 'pctl.yaml': api('    ports: ["70000/udp"]\n') },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.ports.0', 'container port 70000 is outside 1-65535'),
  },
  {
    name: 'port 0',
    files: { 'pctl.yaml': api('    ports: [0]\n') },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.ports.0', 'port 0 is outside 1-65535'),
  },
  {
    name: 'a negative port',
    files: { 'pctl.yaml': api('    ports: [-1]\n') },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.ports.0', 'port -1 is outside'),
  },
  {
    name: 'a fractional port',
    files: { 'pctl.yaml': api('    ports: [80.5]\n') },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.ports.0', 'expected'),
  },
  {
    name: 'ranges of unequal length',
    files: { 'pctl.yaml': api('    ports: ["8000-8002:9000-9001"]\n') },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.ports.0', 'differ in length'),
  },
  {
    name: 'a range running backwards',
    files: { 'pctl.yaml': api('    ports: ["9000-8000"]\n') },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.ports.0', 'runs backwards'),
  },
  {
    name: 'a host port published twice',
    files: { 'pctl.yaml': api('    ports: ["8080:80", "8080:81"]\n') },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.ports.1', 'host port 8080/tcp is already published'),
  },
  {
    name: 'a range of 65,535 ports',
    files: { 'pctl.yaml': api('    ports: ["1-65535"]\n') },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.ports.0', 'more than 1024 ports'),
  },
  {
    name: 'a host address that is not IPv4',
    files: { 'pctl.yaml': api('    ports: ["999.1.1.1:80:80"]\n') },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.ports.0', 'is not an IPv4 address'),
  },
  {
    name: 'a port with shell characters',
    files: { 'pctl.yaml': api('    ports: ["80;id"]\n') },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.ports.0', 'expected a port like'),
  },
  {
    name: "Docker's port forms are accepted",
    files: {
      'pctl.yaml': api('    ports: ["127.0.0.1:8080:80", "8000-8002:8000-8002", "53/udp", "[::1]:7070:70", 9090]\n'),
    },
    argv: validate,
    exit: 0,
    stdout: VALID,
  },

  // --- volumes
  {
    name: 'a relative host path is accepted (./data:/data)',
    files: { 'pctl.yaml': api('    volumes: ["./data:/data", "./conf:/etc/app:ro", { path: /cache }]\n') },
    argv: validate,
    exit: 0,
    stdout: VALID,
  },
  {
    name: 'a relative mount point',
    files: { 'pctl.yaml': api('    volumes: ["./d:data"]\n') },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.volumes.0', 'mount point "data" must be absolute'),
  },
  {
    name: 'a named volume in the short form',
    files: { 'pctl.yaml': api('    volumes: ["cache:/cache"]\n') },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.volumes.0', 'named volume'),
  },
  {
    name: 'a mount point used twice',
    files: { 'pctl.yaml': api('    volumes: [{ path: /data }, "./d:/data"]\n') },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.volumes.1', 'mount point /data is already used by volume 0'),
  },
  {
    name: 'an unknown mount mode',
    files: { 'pctl.yaml': api('    volumes: ["./d:/data:zz"]\n') },
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.volumes.0', 'expected "./host-folder:/mount/point"'),
  },
  {
    name: 'a relative {path}',
    files: { 'pctl.yaml': api('    volumes: [{ path: data }]\n') },
    argv: validate,
    exit: 2,
    stderr: /pctl\.yaml:6 services\.api\.volumes\.0(\.path)?: volume path must be absolute/,
  },

  // --- build paths
  {
    name: 'image: ./inner where inner is a symlink outside the stack folder',
    files: { 'pctl.yaml': api('', './inner'), inner: { symlink: '/etc' } },
    argv: validate,
    exit: 2,
    stderr: at(4, 'services.api.image', "leads outside the stack file's folder through a symbolic link"),
  },
  {
    name: 'image: ./..hidden/Dockerfile is inside the folder',
    files: { 'pctl.yaml': api('', './..hidden/Dockerfile'), '..hidden/Dockerfile': 'FROM busybox\n' },
    argv: validate,
    exit: 0,
    stdout: VALID,
  },
  {
    name: 'image: ./../x leaves the folder',
    files: { 'pctl.yaml': api('', './../x/Dockerfile') },
    argv: validate,
    exit: 2,
    stderr: at(4, 'services.api.image', "leaves the stack file's folder"),
  },
  {
    name: 'image: an absolute path',
    files: { 'pctl.yaml': api('', '/etc/Dockerfile') },
    argv: validate,
    exit: 2,
    stderr: at(4, 'services.api.image', 'not an absolute path'),
  },

  // --- plugins
  {
    name: 'a plugin throwing a string',
    files: plugin('export default () => { throw "no way"; };\n'),
    argv: validate,
    exit: 2,
    stderr: /^error: plugin \.\/p\.mjs failed: no way$/m,
  },
  {
    name: 'a plugin throwing an object',
    files: plugin('export default () => { throw { code: 42 }; };\n'),
    argv: validate,
    exit: 2,
    stderr: /^error: plugin \.\/p\.mjs failed: threw a non-Error value \{"code":42\}$/m,
  },
  {
    name: 'a plugin throwing undefined',
    files: plugin('export default () => { throw undefined; };\n'),
    argv: validate,
    exit: 2,
    stderr: /^error: plugin \.\/p\.mjs failed: threw undefined \(no error object\)$/m,
  },
  {
    name: 'an uncaught exception from a plugin timer',
    files: plugin('export default () => { setTimeout(() => { throw new Error("later"); }, 0); };\n'),
    argv: validate,
    exit: 2,
    stderr: /^error: plugin \.\/p\.mjs failed: later$/m,
  },
  {
    name: 'an unhandled rejection left by a plugin',
    files: plugin('export default () => { Promise.reject(new TypeError("dangling")); };\n'),
    argv: validate,
    exit: 2,
    stderr: /^error: plugin \.\/p\.mjs failed: dangling$/m,
  },
  {
    name: 'a plugin file that does not exist',
    files: { 'pctl.yaml': 'name: hostile\nplugin: [./nope.mjs]\nservices: {}\n' },
    argv: validate,
    exit: 2,
    stderr: at(2, 'plugin.0', 'cannot load plugin ./nope.mjs'),
  },
  {
    name: 'a plugin with a syntax error',
    files: plugin('export default () => {{{;\n'),
    argv: validate,
    exit: 2,
    stderr: at(2, 'plugin.0', 'cannot load plugin ./p.mjs'),
  },
  {
    name: 'a plugin that exports no function',
    files: plugin('export const x = 1;\n'),
    argv: validate,
    exit: 2,
    stderr: at(2, 'plugin.0', 'plugin ./p.mjs exports no function'),
  },
  {
    name: 'a plugin package that is not installed',
    files: { 'pctl.yaml': 'name: hostile\nplugin: [pctl-plugin-surely-missing]\nservices: {}\n' },
    argv: validate,
    exit: 2,
    stderr: at(2, 'plugin.0', 'cannot load plugin pctl-plugin-surely-missing'),
  },
  {
    name: 'a plugin given as a package name loads from the stack folder',
    files: {
      'node_modules/pctl-plugin-x/package.json': '{"name":"pctl-plugin-x","main":"i.mjs"}',
      'node_modules/pctl-plugin-x/i.mjs': 'export default () => {};\n',
      'pctl.yaml': 'name: hostile\nplugin: [pctl-plugin-x]\nservices: {}\n',
    },
    argv: validate,
    exit: 0,
    stdout: VALID,
  },
  {
    name: 'service fields a plugin declares are accepted',
    files: {
      ...plugin('export const fields = ["team"];\nexport default () => {};\n'),
      'pctl.yaml':
        'name: hostile\nplugin: [./p.mjs]\nservices:\n  api: { image: x, team: core, provider: { name: docker } }\n',
    },
    argv: validate,
    exit: 0,
    stdout: VALID,
  },
  {
    name: 'undeclared service fields stay errors with a plugin',
    files: {
      ...plugin('export const fields = ["team"];\nexport default () => {};\n'),
      'pctl.yaml':
        'name: hostile\nplugin: [./p.mjs]\nservices:\n  api: { image: x, teem: core, provider: { name: docker } }\n',
    },
    argv: validate,
    exit: 2,
    stderr: at(4, 'services.api.teem', 'unknown field "teem" (did you mean "team"?)'),
  },
  {
    name: 'a plugin whose fields export is not a list of names',
    files: plugin('export const fields = "team";\nexport default () => {};\n'),
    argv: validate,
    exit: 2,
    stderr: at(2, 'plugin.0', '`fields` must be a list of service field names'),
  },
  {
    name: 'a plugin whose error quotes a secret',
    files: {
      'p.mjs': 'export default (p) => { throw new Error(`bad token ${p.services.api.env.T}`); };\n',
      'pctl.yaml':
        'name: hostile\nplugin: [./p.mjs]\nservices:\n  api: { image: x, env: { T: "${env:TOKEN}" }, provider: { name: docker } }\n',
    },
    env: { TOKEN: 'plug-secret-7781' },
    argv: validate,
    exit: 2,
    stderr: /^error: plugin \.\/p\.mjs failed: bad token \*\*\*$/m,
    never: ['plug-secret-7781'],
  },
  {
    name: 'a plugin that breaks the config',
    files: plugin('export default (p) => { p.services.api.scale = { replica: -1 }; };\n'),
    argv: validate,
    exit: 2,
    stderr: /error: pctl\.yaml \(after plugin \.\/p\.mjs\) services\.api\.scale\.replica/,
  },

  // --- resolvers and other custom modules
  {
    name: 'a resolver module whose constructor throws',
    files: {
      'r.mjs': 'export default class { constructor() { throw { reason: "nope" }; } }\n',
      'pctl.yaml': 'name: hostile\nresolver: [./r.mjs]\nservices: {}\n',
    },
    argv: validate,
    exit: 2,
    stderr: at(2, 'resolver.0', 'cannot load resolver ./r.mjs: threw a non-Error value {"reason":"nope"}'),
  },
  {
    name: 'a resolver that takes a built-in name',
    files: {
      'r.mjs': 'export default class { constructor() { return function env() { return "x"; }; } }\n',
      'pctl.yaml': 'name: hostile\nresolver: [./r.mjs]\nservices: {}\n',
    },
    argv: validate,
    exit: 2,
    stderr: at(2, 'resolver.0', 'resolver "env" (./r.mjs) is registered twice'),
  },
  {
    name: 'a resolver returning an anonymous function',
    files: {
      'r.mjs': 'export default class { constructor() { return () => 1; } }\n',
      'pctl.yaml': 'name: hostile\nresolver: [./r.mjs]\nservices: {}\n',
    },
    argv: validate,
    exit: 2,
    stderr: at(2, 'resolver.0', 'must return a named function'),
  },
  {
    name: 'a custom resolver throwing an object, no fallback',
    files: {
      'r.mjs': 'export default class { constructor() { return function vault() { throw { code: 42 }; }; } }\n',
      'pctl.yaml': `name: hostile\nresolver: [./r.mjs]\n${api('    command: "${vault:k}"\n').replace('name: hostile\n', '')}`,
    },
    argv: validate,
    exit: 2,
    stderr: at(7, 'services.api.command', 'resolver failed: threw a non-Error value {"code":42}'),
  },
  {
    name: 'a custom resolver failing falls back',
    files: {
      'r.mjs': 'export default class { constructor() { return function vault() { throw new Error("down"); }; } }\n',
      'pctl.yaml': `name: hostile\nresolver: [./r.mjs]\n${api('    command: "${vault:k, safe}"\n').replace('name: hostile\n', '')}`,
    },
    argv: validate,
    exit: 0,
    stdout: VALID,
  },
  {
    name: 'a custom resolver secret in dependsOn is never printed',
    files: {
      'r.mjs': 'export default class { constructor() { return function vault() { return "vault-secret-5150"; }; } }\n',
      'pctl.yaml': `name: hostile\nresolver: [./r.mjs]\n${api('    dependsOn: ["${vault:k}"]\n').replace('name: hostile\n', '')}`,
    },
    argv: validate,
    exit: 2,
    stderr: /unknown service "\*\*\*"/,
    never: ['vault-secret-5150'],
  },
  {
    name: '${ssm:...} that cannot be reached takes the fallback',
    files: { 'pctl.yaml': api('    command: "${ssm:/shop/db, dflt}"\n') },
    env: awsEnv,
    argv: validate,
    exit: 0,
    stdout: VALID,
    timeoutMs: 30_000,
  },
  {
    name: '${ssm:...} that cannot be reached, no fallback',
    files: { 'pctl.yaml': api('    command: "${ssm:/shop/db}"\n') },
    env: awsEnv,
    argv: validate,
    exit: 2,
    stderr: at(6, 'services.api.command', '${ssm:/shop/db}: '),
    timeoutMs: 30_000,
  },
  {
    name: '${cfn:Export} that cannot be reached takes the fallback',
    files: { 'pctl.yaml': api('    command: "${cfn:SharedVpc, vpc-0}"\n') },
    env: awsEnv,
    argv: validate,
    exit: 0,
    stdout: VALID,
    timeoutMs: 30_000,
  },
];
