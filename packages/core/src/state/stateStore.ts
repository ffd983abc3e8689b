// The state in memory for one run, written through its backend after each change.
import { LocalBackend } from './backend/local.js';
import type { StateBackend } from './backend/types.js';
import type { StateEntry, StateFile } from './types.js';

// In-memory state with serialized writes: parallel deploys each record their own entry.
// Each write names the version it replaces, so a lost race is a StateConflict, never an overwrite.
export class StateStore {
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    /** Where the state lives (a file path, an s3:// URL). */
    readonly file: string,
    private state: StateFile,
    private readonly backend?: StateBackend,
    private version?: string,
  ) {}

  /** The local state file (today's behaviour). */
  static async open(file: string): Promise<StateStore> {
    return StateStore.openBackend(new LocalBackend(file));
  }

  static async openBackend(backend: StateBackend): Promise<StateStore> {
    const { state, version } = await backend.read();
    // Refuse a state that cannot be written before anything is deployed, not after the first service.
    await backend.checkWritable();
    return new StateStore(backend.where, state, backend, version);
  }

  /** A store over a state already read (plan, render: they never write). */
  static fromState(file: string, state: StateFile): StateStore {
    return new StateStore(file, state);
  }

  get(key: string): StateEntry | undefined {
    return this.state[key];
  }

  entries(): [string, StateEntry][] {
    return Object.entries(this.state);
  }

  snapshot(): StateFile {
    return structuredClone(this.state);
  }

  /** Sets (or, with `undefined`, removes) one entry and writes the state. */
  async set(key: string, entry: StateEntry | undefined): Promise<void> {
    if (entry === undefined) delete this.state[key];
    else this.state[key] = { ...entry, updatedAt: new Date().toISOString() };
    const snapshot = this.snapshot();
    const backend = this.backend;
    if (!backend) throw new Error(`state store over ${this.file} is read-only`);
    const write = this.queue.then(async () => {
      this.version = await backend.write(snapshot, this.version);
    });
    this.queue = write.catch(() => undefined);
    await write;
  }

  /** Re-reads the state (after a legacy provider wrote the file itself). */
  async reload(): Promise<void> {
    await this.queue;
    if (!this.backend) return;
    const { state, version } = await this.backend.read();
    this.state = state;
    this.version = version;
  }
}
