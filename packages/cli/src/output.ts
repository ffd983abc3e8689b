// Every write to stdout and stderr goes through one mask: whatever path a resolved secret
// takes to the terminal (a provider's message, a command's stderr, a JSON document), it
// arrives as `***`.
type Write = typeof process.stdout.write;

// Replaces the write of both streams with one that masks each chunk first.
export function maskProcessOutput(mask: (text: string) => string): void {
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return original(mask(text), ...rest);
    }) as Write;
  }
}
