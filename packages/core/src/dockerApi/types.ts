// What a Docker engine connection is: where the engine is (an endpoint), how a remote
// host is reached over ssh (a target), and the open connection (an engine).
import type { ExecResult, ExecOptions } from '../exec.js';

/** Where an engine is: resolved from DOCKER_HOST / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH / DOCKER_CONTEXT / ~/.docker/config.json currentContext (+ contexts/meta/<sha256(name)>/meta.json, contexts/tls/...). */
export interface EngineEndpoint {
  kind: 'unix' | 'tcp' | 'ssh';
  socketPath?: string;
  host?: string;
  port?: number;
  /** TLS for tcp: the PEM contents (not paths) of the CA, client cert and key; `verify` checks the server's certificate and name. */
  tls?: { ca?: string; cert?: string; key?: string; verify: boolean };
  ssh?: SshTarget;
  /** The endpoint as the docker CLI writes it, plus where it came from: `unix:///var/run/docker.sock`, `tcp://10.0.0.5:2376 (TLS, context "prod")`. */
  describe: string;
}

/** A remote host whose engine pctl reaches over OpenSSH. */
export interface SshTarget {
  host: string;
  user?: string;
  port?: number;
  /** Private key file (`-i`); `~/` is the home folder. */
  key?: string;
  /** The ssh user cannot open the engine's socket: each connection runs `sudo -n docker system dial-stdio` on the host. */
  sudo?: boolean;
  /** The engine's socket on the host; default: what DOCKER_HOST / the docker context of an ssh session on the host names, else /var/run/docker.sock. */
  remoteSocket?: string;
}

export type Dockerode = import('dockerode');

export interface Engine {
  /** A connected dockerode instance. */
  api: Dockerode;
  /** For messages: "the local engine (unix:///…)", "host 10.0.0.5 over ssh". */
  where: string;
  endpoint: EngineEndpoint;
  /** Over ssh: a local unix socket reaching `host:port` from the remote host, through the same connection. */
  tunnel?(host: string, port: number): Promise<string>;
  /** Ends the ssh forward, if any. */
  close(): Promise<void>;
}

/** What engineFor needs of a run: the exec wrapper (ssh runs through it) and the run's interrupt. */
export interface EngineContext {
  exec: (file: string, args: readonly string[], opts?: ExecOptions) => Promise<ExecResult>;
  signal?: AbortSignal;
}
