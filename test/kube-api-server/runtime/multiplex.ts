// Docker's multiplexed attach/log stream (a container without a TTY): 8-byte frame headers naming stdout (1) or stderr (2).

/** A push parser: feed it chunks as they come; it calls `onFrame` for each complete frame's payload. */
export function demuxer(onFrame: (stream: number, data: Buffer) => void): (chunk: Buffer) => void {
  let buf: Buffer = Buffer.alloc(0);
  return (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    while (buf.length >= 8) {
      const len = buf.readUInt32BE(4);
      if (buf.length < 8 + len) return;
      onFrame(buf[0], buf.subarray(8, 8 + len));
      buf = buf.subarray(8 + len);
    }
  };
}
