// The pod sandbox image: a static ELF of a few bytes that sleeps forever, imported into the engine once. It holds each pod's
// network namespace (and volumes) so that the pod's containers share localhost and survive each other's restarts.
import type Dockerode from 'dockerode';
import { tarOf } from './tar.js';

export const PAUSE_IMAGE = 'pctl-kube-api-server-pause:1';

// loop: pause(); jmp loop            (x86-64: mov eax, 34; syscall; jmp -9)
const AMD64 = { machine: 0x3e, code: Buffer.from([0xb8, 0x22, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xeb, 0xf7]) };
// loop: ppoll(NULL, 0, NULL, NULL); b loop   (arm64: mov x0..x3, #0; mov x8, #73; svc #0; b -24)
const ARM64 = {
  machine: 0xb7,
  code: Buffer.from(
    new Uint32Array([0xd2800000, 0xd2800001, 0xd2800002, 0xd2800003, 0xd2800928, 0xd4000001, 0x17fffffa]).buffer,
  ),
};

/** A minimal ELF64 executable: one PT_LOAD segment holding the headers and `code`, entered right after the headers. */
export function pauseElf(arch: string): Buffer {
  const { machine, code } = arch === 'arm64' || arch === 'aarch64' ? ARM64 : AMD64;
  const base = 0x400000;
  const size = 64 + 56 + code.length;
  const elf = Buffer.alloc(size);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(elf, 0);
  elf.writeUInt16LE(2, 16); // ET_EXEC
  elf.writeUInt16LE(machine, 18);
  elf.writeUInt32LE(1, 20);
  elf.writeBigUInt64LE(BigInt(base + 120), 24); // entry
  elf.writeBigUInt64LE(64n, 32); // phoff
  elf.writeUInt16LE(64, 52); // ehsize
  elf.writeUInt16LE(56, 54); // phentsize
  elf.writeUInt16LE(1, 56); // phnum
  elf.writeUInt32LE(1, 64); // PT_LOAD
  elf.writeUInt32LE(5, 68); // R+X
  elf.writeBigUInt64LE(0n, 72);
  elf.writeBigUInt64LE(BigInt(base), 80);
  elf.writeBigUInt64LE(BigInt(base), 88);
  elf.writeBigUInt64LE(BigInt(size), 96);
  elf.writeBigUInt64LE(BigInt(size), 104);
  elf.writeBigUInt64LE(0x1000n, 112);
  code.copy(elf, 120);
  return elf;
}

/** Import the pause image into the engine unless it is there already. */
export async function ensurePauseImage(docker: Dockerode): Promise<string> {
  try {
    await docker.getImage(PAUSE_IMAGE).inspect();
    return PAUSE_IMAGE;
  } catch {
    // Not there yet.
  }
  const info = (await docker.version()) as { Arch?: string };
  const tar = tarOf([{ path: 'pause', data: pauseElf(info.Arch ?? 'amd64'), mode: 0o755 }]);
  const [repo, tag] = PAUSE_IMAGE.split(':');
  const { Readable } = await import('node:stream');
  const stream = (await docker.importImage(
    Readable.from([tar]) as unknown as NodeJS.ReadableStream,
    { repo, tag, changes: ['CMD ["/pause"]'] } as object,
  )) as NodeJS.ReadableStream;
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
  );
  return PAUSE_IMAGE;
}
