// What the Docker engine refuses in a service for a reason known before anything runs, so
// that validate refuses it with the line instead of deploy with the engine's text.
import type { ServiceConfig } from '@pctl/core';
import { dockerCpus, dockerMemory } from './options.js';
import { memoryBytes } from './createSpec.js';

type Issue = { path: (string | number)[]; message: string };

/** The engine's floor for --cpus (runc cannot set a smaller CFS quota). */
const MIN_CPUS = 0.01;
/** The engine's floor for --memory: "Minimum memory limit allowed is 6MB". */
const MIN_MEMORY_BYTES = 6 * 1024 * 1024;

// The limits of one service Docker would refuse.
export function engineLimitIssues(svc: ServiceConfig): Issue[] {
  const issues: Issue[] = [];
  const cpu = svc.scale?.cpu;
  if (cpu !== undefined && Number(dockerCpus(cpu)) < MIN_CPUS)
    issues.push({
      path: ['scale', 'cpu'],
      message: `${cpu} is less than the ${MIN_CPUS} CPUs (10m) Docker can limit a container to`,
    });
  const memory = svc.scale?.memory;
  if (memory !== undefined) {
    let bytes: number | undefined;
    try {
      bytes = memoryBytes(dockerMemory(memory));
    } catch {
      bytes = undefined;
    }
    if (bytes !== undefined && bytes < MIN_MEMORY_BYTES)
      issues.push({
        path: ['scale', 'memory'],
        message: `${memory} is less than the 6Mi Docker allows a container (its minimum memory limit)`,
      });
  }
  return issues;
}
