// The kubelet's view of one container of a pod: its current and previous engine containers, state, restarts, readiness.
import type { ContainerSpec } from './podSpec.js';

export interface Terminated {
  exitCode: number;
  reason: string;
  startedAt: string;
  finishedAt: string;
  containerID: string;
  signal?: number;
}

export type ContainerState =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | { terminated: Terminated };

export interface ContainerRun {
  spec: ContainerSpec;
  init: boolean;
  id?: string;
  previousId?: string;
  restarts: number;
  state: ContainerState;
  lastState?: Terminated;
  ready: boolean;
  started: boolean;
  imageID: string;
  stopProbes: (() => void)[];
  timer?: NodeJS.Timeout;
}
