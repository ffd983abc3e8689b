// Values from the stack file that pctl places on a command line, checked for their kind
// before anything runs: an image reference, a registry host, a build target can never be
// read as an option (`image: "--privileged"` is refused, not passed to docker run). The
// commands themselves put operands after `--` as a second guard.
import type { StackConfig } from '../config/schema.js';
import { PctlError } from '../errors.js';

// Something that may sit on an argument list: not empty, no leading `-`, no control characters.
const ARGUMENT_SAFE = /^[^\s-][^\s\u0000-\u001f\u007f]*$/u;

/** An image reference as docker reads one: `[host[:port]/]path[:tag][@digest]`. */
export const IMAGE_REF = /^[A-Za-z0-9][A-Za-z0-9._\-/:@+]*$/;

/** A registry host (optionally with a path): `registry.example.com:5000/team`. */
const REGISTRY = /^[A-Za-z0-9[][A-Za-z0-9._\-/:[\]]*$/;

function issue(path: string, value: string, kind: string): string {
  const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
  return `${path}: "${shown}" is not ${kind}${value.startsWith('-') ? ' (a value starting with "-" would be read as an option)' : ''}`;
}

// Problems with values that go on command lines, one line per value, `services.<name>.<field>: ...`.
export function argumentIssues(config: StackConfig): string[] {
  const problems: string[] = [];
  for (const [name, svc] of Object.entries(config.services)) {
    const at = `services.${name}`;
    const image = svc.image;
    if (image !== undefined && !image.startsWith('./') && !image.startsWith('../') && !IMAGE_REF.test(image)) {
      problems.push(
        issue(`${at}.image`, image, 'an image reference (letters, digits and ._-/:@, starting with a letter or digit)'),
      );
    }
    const registry =
      svc.registry === undefined ? undefined : typeof svc.registry === 'string' ? svc.registry : svc.registry.url;
    if (registry !== undefined && !REGISTRY.test(registry))
      problems.push(issue(`${at}.registry`, registry, 'a registry host such as registry.example.com:5000'));
    if (
      typeof svc.registry === 'object' &&
      svc.registry.username !== undefined &&
      !ARGUMENT_SAFE.test(svc.registry.username)
    ) {
      problems.push(issue(`${at}.registry.username`, svc.registry.username, 'a user name'));
    }
    const build = svc.build;
    if (build?.target !== undefined && !/^[A-Za-z0-9][\w.-]*$/.test(build.target))
      problems.push(issue(`${at}.build.target`, build.target, 'a build stage name'));
    for (const k of Object.keys(build?.args ?? {}))
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
        problems.push(issue(`${at}.build.args.${k}`, k, 'a build argument name'));
    for (const k of Object.keys(svc.env ?? {}))
      if (!/^[-._A-Za-z][-._A-Za-z0-9]*$/.test(k))
        problems.push(
          issue(
            `${at}.env.${k}`,
            k,
            'an environment variable name (letters, digits, "-", "_" and ".", not starting with a digit)',
          ),
        );
  }
  return problems;
}

// Throws the InvalidConfig error (exit 2) for the first problem, all of them in detail.
export function checkArguments(config: StackConfig, file: string): void {
  const problems = argumentIssues(config);
  if (!problems.length) return;
  throw new PctlError({
    code: 'InvalidConfig',
    message: `${file}: ${problems.length === 1 ? problems[0] : `${problems.length} errors: ${problems[0]} (and ${problems.length - 1} more)`}`,
    fault: 'user',
    exitCode: 2,
    detail: problems.length > 1 ? problems.join('\n') : undefined,
  });
}
