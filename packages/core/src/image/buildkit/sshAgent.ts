// `build.ssh`: the user's ssh agents served to `RUN --mount=type=ssh` through the build's
// session (moby.sshforward.v1.SSH: CheckAgent for an id, ForwardAgent one stream per
// connection a build step opens to its socket, the agent's id in the `buildkit.ssh.id`
// metadata). As BuildKit's own client does, the agent is offered read-only: a step can
// list the keys and ask for signatures; adding, removing, locking and extensions are
// answered with SSH_AGENT_FAILURE without reaching the agent.
import { connect, type Socket } from 'node:net';
import { GrpcError, GrpcStatus, type UnaryHandler } from './grpc.js';
import type { StreamHandler } from './grpcStream.js';
import { Message, Writer } from './protobuf.js';

export const CHECK_AGENT = '/moby.sshforward.v1.SSH/CheckAgent';
export const FORWARD_AGENT = '/moby.sshforward.v1.SSH/ForwardAgent';
const KEY_SSH_ID = 'buildkit.ssh.id';

/** ssh-agent protocol (draft-miller-ssh-agent): what a read-only agent passes on. */
const REQUEST_IDENTITIES = 11;
const SIGN_REQUEST = 13;
const AGENT_FAILURE = Buffer.from([0, 0, 0, 1, 5]);
/** OpenSSH's limit for one agent message. */
const MAX_AGENT_MESSAGE = 256 * 1024;

// The ssh-agent messages (4-byte length, then type and body) of a byte stream, whole.
export async function* agentMessages(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let buf: Buffer = Buffer.alloc(0);
  for await (const chunk of chunks) {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    while (buf.length >= 4) {
      const len = buf.readUInt32BE(0);
      if (len === 0 || len > MAX_AGENT_MESSAGE)
        throw new GrpcError(GrpcStatus.INTERNAL, `bad ssh-agent message length ${len}`);
      if (buf.length < 4 + len) break;
      yield buf.subarray(0, 4 + len);
      buf = buf.subarray(4 + len);
    }
  }
}

// Whether a request may reach the agent.
export function readOnlyRequest(message: Buffer): boolean {
  const type = message[4];
  return type === REQUEST_IDENTITIES || type === SIGN_REQUEST;
}

function dial(socketPath: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(socketPath);
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

const bytesOf = async function* (messages: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  for await (const m of messages) {
    const data = new Message(m).bytes(1);
    if (data?.length) yield data;
  }
};

// CheckAgent and ForwardAgent for `agents` (socket path by id).
export function sshServices(agents: ReadonlyMap<string, string>): {
  unary: [string, UnaryHandler][];
  streams: [string, StreamHandler][];
} {
  const socketOf = (id: string) => {
    const p = agents.get(id || 'default');
    if (!p) throw new GrpcError(GrpcStatus.NOT_FOUND, `unset ssh forward key ${id || 'default'}`);
    return p;
  };
  const check: UnaryHandler = async (request) => {
    socketOf(new Message(request).string(1));
    return Buffer.alloc(0);
  };
  const forward: StreamHandler = async (call) => {
    const socketPath = socketOf(call.metadata(KEY_SSH_ID) ?? '');
    const agent = await dial(socketPath).catch((e: Error) => {
      throw new GrpcError(GrpcStatus.INTERNAL, `failed to dial agent: ${e.message}`);
    });
    agent.on('error', () => undefined);
    const replies = agentMessages(agent)[Symbol.asyncIterator]();
    try {
      // One request at a time, as agent clients ask: each answered before the next is read.
      for await (const request of agentMessages(bytesOf(call.messages))) {
        if (!readOnlyRequest(request)) {
          call.send(new Writer().bytes(1, AGENT_FAILURE).finish());
          continue;
        }
        agent.write(request);
        const reply = await replies.next();
        if (reply.done) return;
        call.send(new Writer().bytes(1, reply.value).finish());
      }
    } finally {
      agent.destroy();
    }
  };
  return { unary: [[CHECK_AGENT, check]], streams: [[FORWARD_AGENT, forward]] };
}
