// Deploy's first phase: the stack, its providers, and the services named on the command line.
import { openSession, requireKnownServices, type Session, type SessionOptions } from '../session.js';

export async function openDeploy(opts: SessionOptions & { only?: string[] }): Promise<Session> {
  const session = await openSession(opts);
  requireKnownServices(session, opts.only);
  return session;
}
