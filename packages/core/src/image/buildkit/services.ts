// What pctl serves in a BuildKit session: registry credentials for the base images
// (moby.filesync.v1.Auth, asked only for the registries BuildKit pulls from, found as the
// docker CLI finds them) and build secrets (moby.buildkit.secrets.v1.Secrets).
import type { Exec } from '../../exec.js';
import { DOCKER_HUB } from '../baseImages.js';
import { registryConfigFor } from '../registryAuth.js';
import { GrpcError, GrpcStatus, type UnaryHandler } from './grpc.js';
import { Message, Writer } from './protobuf.js';

export const AUTH_CREDENTIALS = '/moby.filesync.v1.Auth/Credentials';
export const GET_SECRET = '/moby.buildkit.secrets.v1.Secrets/GetSecret';

const HUB_HOSTS = new Set(['registry-1.docker.io', 'index.docker.io', 'docker.io']);

// Auth.Credentials: CredentialsRequest{Host = 1} -> CredentialsResponse{Username = 1, Secret = 2}.
export function authService(opts: { exec: Exec; signal?: AbortSignal }): [string, UnaryHandler] {
  return [
    AUTH_CREDENTIALS,
    async (request) => {
      const host = new Message(request).string(1);
      const registry = HUB_HOSTS.has(host) ? DOCKER_HUB : host;
      const auth = (await registryConfigFor({ exec: opts.exec, registries: [registry], signal: opts.signal }))[
        registry
      ];
      const w = new Writer();
      // An identity token goes as the secret with no user name (BuildKit's authprovider).
      if (auth?.identitytoken) w.bytes(2, auth.identitytoken);
      else if (auth?.username && auth.password) w.bytes(1, auth.username).bytes(2, auth.password);
      return w.finish();
    },
  ];
}

// Secrets.GetSecret: GetSecretRequest{ID = 1} -> GetSecretResponse{data = 1}; an unknown id is NotFound.
export function secretsService(secrets: ReadonlyMap<string, Buffer>): [string, UnaryHandler] {
  return [
    GET_SECRET,
    async (request) => {
      const id = new Message(request).string(1);
      const data = secrets.get(id);
      if (!data) throw new GrpcError(GrpcStatus.NOT_FOUND, `secret ${id} not found`);
      return new Writer().bytes(1, data).finish();
    },
  ];
}
