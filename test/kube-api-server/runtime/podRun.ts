// One pod on the engine: its sandbox (network namespace and volumes), init containers in order, then its containers, each
// restarted per the pod's restartPolicy with back-off, probed, and torn down with the pod.
import type { KubeObject } from '../store.js';
import type { Timing } from '../timing.js';
import {
  CONTAINER_NAME_LABEL,
  hasImage,
  POD_NAME_LABEL,
  POD_NAMESPACE_LABEL,
  POD_UID_LABEL,
  type Engine,
} from './engine.js';
import { ensurePauseImage } from './pauseImage.js';
import type { ContainerRun, ContainerState, Terminated } from './containerRun.js';
import { startProbes } from './containerProbes.js';
import {
  commandLine,
  ConfigError,
  environment,
  podVolumes,
  type ContainerSpec,
  type ObjectLookup,
  type PodVolume,
} from './podSpec.js';
import { tarOf } from './tar.js';

/** What a pod run needs from its kubelet. */
export interface PodHost {
  engine: Engine;
  timing: Timing;
  hostIP: string;
  lookup(namespace: string): ObjectLookup;
  event(pod: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string): void;
  /** The run's state changed: publish the pod's status. */
  changed(): void;
}

const waiting = (reason: string, message?: string): ContainerState => ({
  waiting: message ? { reason, message } : { reason },
});

export class PodRun {
  sandboxId?: string;
  ip = '';
  stopping = false;
  readonly containers: ContainerRun[];
  readonly initContainers: ContainerRun[];
  /** Set once the sandbox is up and every init container succeeded. */
  initialized = false;
  private volumes: PodVolume[] = [];

  constructor(
    private readonly host: PodHost,
    readonly pod: KubeObject,
  ) {
    const mk = (spec: ContainerSpec, init: boolean): ContainerRun => ({
      spec,
      init,
      restarts: 0,
      state: waiting(init ? 'PodInitializing' : 'ContainerCreating'),
      ready: false,
      started: false,
      imageID: '',
      stopProbes: [],
    });
    this.initContainers = ((pod.spec?.initContainers ?? []) as ContainerSpec[]).map((c) => mk(c, true));
    this.containers = ((pod.spec?.containers ?? []) as ContainerSpec[]).map((c) => mk(c, false));
  }

  get restartPolicy(): string {
    return this.pod.spec?.restartPolicy ?? 'Always';
  }

  private get docker() {
    return this.host.engine.docker;
  }

  private backOff(restarts: number): number {
    return restarts === 0 ? 0 : this.host.timing.backOffMs * 2 ** Math.min(restarts - 1, 5);
  }

  private fieldPath(c: ContainerRun): string {
    return `spec.${c.init ? 'initContainers' : 'containers'}{${c.spec.name}}`;
  }

  private names(c: string, attempt: number): string {
    const m = this.pod.metadata;
    return `${this.host.engine.prefix}_${c}_${m.name}_${m.namespace}_${(m.uid ?? '').slice(0, 8)}_${attempt}`;
  }

  private labels(container: string, extra: Record<string, string> = {}): Record<string, string> {
    const m = this.pod.metadata;
    return this.host.engine.labels({
      [POD_NAME_LABEL]: m.name ?? '',
      [POD_NAMESPACE_LABEL]: m.namespace ?? '',
      [POD_UID_LABEL]: m.uid ?? '',
      [CONTAINER_NAME_LABEL]: container,
      ...extra,
    });
  }

  /** Bring the pod up; retries what cannot be done yet (a missing ConfigMap, image) until the pod is stopped. */
  async start(): Promise<void> {
    while (!this.stopping && !this.sandboxId) {
      try {
        await this.createSandbox();
      } catch (e) {
        if (this.stopping) return;
        this.host.event(this.pod, 'Warning', 'FailedMount', (e as Error).message);
        await new Promise((r) => setTimeout(r, this.host.timing.backOffMs));
      }
    }
    for (const c of this.initContainers) {
      while (!this.stopping) {
        const code = await this.runToCompletion(c);
        if (code === 0) break;
        if (this.restartPolicy === 'Never') return this.host.changed();
        c.state = waiting(
          'CrashLoopBackOff',
          `back-off restarting failed container=${c.spec.name} pod=${this.pod.metadata.name}_${this.pod.metadata.namespace}(${this.pod.metadata.uid})`,
        );
        this.host.changed();
        await new Promise((r) => setTimeout(r, this.backOff(c.restarts)));
      }
    }
    if (this.stopping) return;
    this.initialized = true;
    for (const c of this.containers) c.state = waiting('ContainerCreating');
    this.host.changed();
    await Promise.all(this.containers.map((c) => this.startContainer(c)));
  }

  private async createSandbox(): Promise<void> {
    const { docker } = this;
    const image = await ensurePauseImage(docker);
    this.volumes = podVolumes(
      this.pod,
      this.host.lookup(this.pod.metadata.namespace ?? 'default'),
      this.host.engine.prefix,
    );
    for (const v of this.volumes) await docker.createVolume({ Name: v.engineName, Labels: this.host.engine.labels() });
    const hostname = (this.pod.spec?.hostname ?? this.pod.metadata.name ?? 'pod').slice(0, 63);
    const sandbox = await docker.createContainer({
      name: this.names('POD', 0),
      Image: image,
      Cmd: ['/pause'],
      Hostname: hostname,
      Labels: this.labels('POD'),
      HostConfig: {
        IpcMode: 'shareable',
        Mounts: this.volumes.map((v) => ({
          Type: 'volume' as const,
          Source: v.engineName,
          Target: `/volumes/${v.name}`,
        })),
      },
    });
    await sandbox.start();
    for (const v of this.volumes)
      if (v.files?.length) await sandbox.putArchive(tarOf(v.files), { path: `/volumes/${v.name}` });
    const info = await sandbox.inspect();
    this.ip =
      (info.NetworkSettings as { IPAddress?: string }).IPAddress ||
      Object.values(info.NetworkSettings.Networks ?? {})[0]?.IPAddress ||
      '';
    this.sandboxId = sandbox.id;
    if (this.stopping) await sandbox.remove({ force: true }).catch(() => undefined);
  }

  /** Create and start the container's next instance; false when it cannot start yet (image, config), with the reason set. */
  private async launch(c: ContainerRun): Promise<boolean> {
    const spec = c.spec;
    const fieldPath = this.fieldPath(c);
    const imageID = await hasImage(this.docker, spec.image);
    if (!imageID) {
      const first = !('waiting' in c.state) || c.state.waiting.reason !== 'ErrImagePull';
      c.state = first
        ? waiting(
            'ErrImagePull',
            `image "${spec.image}" is not on the Docker engine (the Docker kubelet pulls nothing)`,
          )
        : waiting('ImagePullBackOff', `Back-off pulling image "${spec.image}"`);
      this.host.event(
        this.pod,
        'Warning',
        'Failed',
        `Failed to pull image "${spec.image}": not present on the Docker engine`,
        fieldPath,
      );
      return false;
    }
    c.imageID = `docker://${imageID}`;
    let env: string[];
    try {
      env = environment(
        this.pod,
        spec,
        this.host.lookup(this.pod.metadata.namespace ?? 'default'),
        this.ip,
        this.host.hostIP,
      );
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      c.state = waiting('CreateContainerConfigError', e.message);
      this.host.event(this.pod, 'Warning', 'Failed', `Error: ${e.message}`, fieldPath);
      return false;
    }
    const sandbox = this.sandboxId ?? '';
    const user = spec.securityContext?.runAsUser;
    const mounts = (spec.volumeMounts ?? []).flatMap((m) => {
      const v = this.volumes.find((x) => x.name === m.name);
      return v
        ? [{ Type: 'volume' as const, Source: v.engineName, Target: m.mountPath, ReadOnly: m.readOnly ?? false }]
        : [];
    });
    this.host.event(
      this.pod,
      'Normal',
      'Pulled',
      `Container image "${spec.image}" already present on machine`,
      fieldPath,
    );
    const created = await this.docker.createContainer({
      name: this.names(spec.name, c.restarts),
      Image: spec.image,
      ...commandLine(spec, env),
      Env: env,
      WorkingDir: spec.workingDir,
      Tty: spec.tty ?? false,
      OpenStdin: spec.stdin ?? false,
      StdinOnce: spec.stdinOnce ?? false,
      User:
        user !== undefined
          ? `${user}${spec.securityContext?.runAsGroup !== undefined ? `:${spec.securityContext.runAsGroup}` : ''}`
          : undefined,
      Labels: this.labels(spec.name, { 'io.kubernetes.container.restartCount': String(c.restarts) }),
      HostConfig: { NetworkMode: `container:${sandbox}`, IpcMode: `container:${sandbox}`, Mounts: mounts },
    });
    if (this.stopping) {
      await created.remove({ force: true }).catch(() => undefined);
      return false;
    }
    try {
      await created.start();
    } catch (e) {
      await created.remove({ force: true }).catch(() => undefined);
      this.host.event(
        this.pod,
        'Warning',
        'Failed',
        `Error: failed to start container "${spec.name}": ${(e as Error).message}`,
        fieldPath,
      );
      throw e;
    }
    if (c.id) {
      if (c.previousId)
        await this.docker
          .getContainer(c.previousId)
          .remove({ force: true })
          .catch(() => undefined);
      c.previousId = c.id;
    }
    c.id = created.id;
    this.host.event(this.pod, 'Normal', 'Created', `Created container: ${spec.name}`, fieldPath);
    const info = await created.inspect();
    c.state = { running: { startedAt: new Date(info.State.StartedAt).toISOString().replace(/\.\d+Z$/, 'Z') } };
    this.host.event(this.pod, 'Normal', 'Started', `Started container ${spec.name}`, fieldPath);
    return true;
  }

  private async waitExit(c: ContainerRun): Promise<Terminated> {
    const id = c.id ?? '';
    await this.docker
      .getContainer(id)
      .wait()
      .catch(() => undefined);
    const info = await this.docker
      .getContainer(id)
      .inspect()
      .catch(() => undefined);
    const s = info?.State;
    const code = s?.ExitCode ?? 137;
    const iso = (t: string | undefined) =>
      t && !t.startsWith('0001')
        ? new Date(t).toISOString().replace(/\.\d+Z$/, 'Z')
        : new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    return {
      exitCode: code,
      reason: s?.OOMKilled ? 'OOMKilled' : code === 0 ? 'Completed' : 'Error',
      startedAt: iso(s?.StartedAt),
      finishedAt: iso(s?.FinishedAt),
      containerID: `docker://${id}`,
    };
  }

  private async runToCompletion(c: ContainerRun): Promise<number> {
    while (!(await this.launch(c))) {
      if (this.stopping) return -1;
      this.host.changed();
      await new Promise((r) => setTimeout(r, this.host.timing.backOffMs));
    }
    this.host.changed();
    const t = await this.waitExit(c);
    c.state = { terminated: t };
    if (t.exitCode !== 0) {
      c.lastState = t;
      c.restarts++;
    }
    this.host.changed();
    return t.exitCode;
  }

  private async startContainer(c: ContainerRun): Promise<void> {
    if (this.stopping) return;
    let ok = false;
    try {
      ok = await this.launch(c);
    } catch (e) {
      c.state = waiting('CreateContainerError', (e as Error).message);
    }
    this.host.changed();
    if (!ok) {
      if (!this.stopping) c.timer = setTimeout(() => void this.startContainer(c), this.host.timing.backOffMs);
      return;
    }
    startProbes(c, {
      docker: this.docker,
      secondMs: this.host.timing.probeSecondMs,
      ip: this.ip,
      event: (type, reason, message) => this.host.event(this.pod, type, reason, message, this.fieldPath(c)),
      changed: () => this.host.changed(),
    });
    const t = await this.waitExit(c);
    for (const stop of c.stopProbes.splice(0)) stop();
    if (this.stopping) return;
    c.ready = false;
    c.started = false;
    c.state = { terminated: t };
    const restart = this.restartPolicy === 'Always' || (this.restartPolicy === 'OnFailure' && t.exitCode !== 0);
    if (!restart) return this.host.changed();
    c.lastState = t;
    const delay = this.backOff(c.restarts);
    c.restarts++;
    if (delay > 0) {
      c.state = waiting(
        'CrashLoopBackOff',
        `back-off ${Math.round(delay / 100) / 10}s restarting failed container=${c.spec.name} pod=${this.pod.metadata.name}_${this.pod.metadata.namespace}(${this.pod.metadata.uid})`,
      );
      this.host.event(
        this.pod,
        'Warning',
        'BackOff',
        `Back-off restarting failed container ${c.spec.name} in pod ${this.pod.metadata.name}_${this.pod.metadata.namespace}(${this.pod.metadata.uid})`,
        this.fieldPath(c),
      );
    }
    this.host.changed();
    c.timer = setTimeout(() => void this.startContainer(c), delay);
  }

  /** The engine container of a pod container: the current instance, or the one before it. */
  containerId(name: string, previous: boolean): string | undefined {
    const c = [...this.containers, ...this.initContainers].find((x) => x.spec.name === name);
    return previous ? c?.previousId : c?.id;
  }

  /** Stop every container (SIGTERM, then SIGKILL after `graceSeconds`), remove them, the sandbox and the pod's volumes. */
  async stop(graceSeconds: number): Promise<void> {
    this.stopping = true;
    const all = [...this.containers, ...this.initContainers];
    for (const c of all) {
      if (c.timer) clearTimeout(c.timer);
      for (const stop of c.stopProbes.splice(0)) stop();
    }
    await Promise.all(
      this.containers
        .filter((c) => c.id && 'running' in c.state)
        .map(async (c) => {
          this.host.event(this.pod, 'Normal', 'Killing', `Stopping container ${c.spec.name}`, this.fieldPath(c));
          await this.docker
            .getContainer(c.id ?? '')
            .stop({ t: graceSeconds })
            .catch(() => undefined);
        }),
    );
    const ids = all.flatMap((c) => [c.id, c.previousId]).filter((x): x is string => !!x);
    for (const id of ids)
      await this.docker
        .getContainer(id)
        .remove({ force: true, v: true })
        .catch(() => undefined);
    if (this.sandboxId)
      await this.docker
        .getContainer(this.sandboxId)
        .remove({ force: true })
        .catch(() => undefined);
    // Anything a start still in flight created after the lists above were taken.
    const late = await this.docker
      .listContainers({ all: true, filters: { label: [`${POD_UID_LABEL}=${this.pod.metadata.uid}`] } })
      .catch(() => []);
    for (const x of late)
      await this.docker
        .getContainer(x.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined);
    for (const v of this.volumes)
      if (!v.shared)
        await this.docker
          .getVolume(v.engineName)
          .remove()
          .catch(() => undefined);
  }
}
