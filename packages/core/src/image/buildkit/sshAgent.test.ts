// The forwarded agent against a real unix-socket agent stand-in: requests are passed one
// at a time and only the read-only ones reach it.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Writer } from './protobuf.js';
import { agentMessages, readOnlyRequest, sshServices, CHECK_AGENT, FORWARD_AGENT } from './sshAgent.js';
import type { StreamCall } from './grpcStream.js';

const msg = (type: number, body = Buffer.alloc(0)) => {
  const b = Buffer.alloc(5 + body.length);
  b.writeUInt32BE(1 + body.length, 0);
  b[4] = type;
  body.copy(b, 5);
  return b;
};

async function* chunks(...parts: Buffer[]) {
  for (const p of parts) yield p;
}

describe('ssh-agent framing', () => {
  it('joins and splits messages across chunks', async () => {
    const whole = Buffer.concat([msg(11), msg(13, Buffer.from('sign me'))]);
    const out: Buffer[] = [];
    for await (const m of agentMessages(chunks(whole.subarray(0, 3), whole.subarray(3, 9), whole.subarray(9))))
      out.push(m);
    expect(out.map((m) => m[4])).toEqual([11, 13]);
    expect(out[1]!.subarray(5).toString()).toBe('sign me');
  });

  it('passes list and sign only', () => {
    expect([11, 13, 17, 18, 19, 22, 25, 27].filter((t) => readOnlyRequest(msg(t)))).toEqual([11, 13]);
  });
});

describe('ForwardAgent', () => {
  let dir = '';
  let agent: Server | undefined;
  afterEach(() => {
    agent?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('forwards read-only requests to the agent and refuses the others itself', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pctl-sshagent-'));
    const sock = path.join(dir, 'agent.sock');
    const seen: number[] = [];
    agent = createServer((c) => {
      c.on('data', (d: Buffer) => {
        seen.push(d[4]!);
        c.write(msg(12, Buffer.from(`reply to ${d[4]}`)));
      });
    });
    await new Promise<void>((r) => agent!.listen(sock, r));
    const { unary, streams } = sshServices(new Map([['default', sock]]));
    expect(await unary[0]![1](new Writer().bytes(1, 'default').finish())).toEqual(Buffer.alloc(0));
    await expect(unary[0]![1](new Writer().bytes(1, 'other').finish())).rejects.toThrow(/unset ssh forward key other/);
    expect(unary[0]![0]).toBe(CHECK_AGENT);
    expect(streams[0]![0]).toBe(FORWARD_AGENT);
    const sent: Buffer[] = [];
    const bytes = (b: Buffer) => new Writer().bytes(1, b).finish();
    const call: StreamCall = {
      metadata: () => undefined,
      messages: chunks(bytes(msg(11)), bytes(msg(19)), bytes(msg(13, Buffer.from('x')))),
      send: (m) => sent.push(m),
    };
    await streams[0]![1](call);
    expect(seen).toEqual([11, 13]);
    const replies = sent.map((m) => m.subarray(2)); // BytesMessage: tag, length, data
    expect(replies.map((r) => r.subarray(5).toString() || `type ${r[4]}`)).toEqual([
      'reply to 11',
      'type 5',
      'reply to 13',
    ]);
  });
});
