// How build args reach the docker CLI (`builder: buildx`): as `--build-arg NAME`, the value
// in the CLI's environment, where it takes a value-less build arg from. A command line is
// readable by every user of the host (`ps`, /proc/<pid>/cmdline); a process's environment
// only by its owner. A name the CLI reads for itself (DOCKER_HOST, HOME, a proxy, ...)
// would redirect the CLI if set there, so that one stays `NAME=value` on the command line.
// Each is one argument, `--build-arg=...`: a name that starts with `-` stays the flag's value.
const CLI_OWN =
  /^(DOCKER|BUILDX|BUILDKIT)_|^(HOME|PATH|TMPDIR|USER|SHELL|SSH_AUTH_SOCK)$|^(HTTPS?|FTP|NO|ALL)_PROXY$|^XDG_/i;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function buildArgFlags(args: Record<string, string>): { flags: string[]; env: Record<string, string> } {
  const flags: string[] = [];
  const env: Record<string, string> = {};
  for (const k of Object.keys(args).sort()) {
    if (ENV_NAME.test(k) && !CLI_OWN.test(k)) {
      flags.push(`--build-arg=${k}`);
      env[k] = args[k]!;
    } else flags.push(`--build-arg=${k}=${args[k]}`);
  }
  return { flags, env };
}
