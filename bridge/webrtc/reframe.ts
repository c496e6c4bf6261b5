// Cuts audio that comes in blocks of any length into frames of `n` samples:
// what is left over waits for the next block. Shared by the uplink (browser
// frames of the browser's size → the leg's 20 ms) and the downlink.
export class Reframer {
  private pending: Int16Array = new Int16Array(0);

  /** Calls `frame` with each whole frame of `n` samples (a view, valid during the call) of the held rest + `pcm`. */
  push(pcm: Int16Array, n: number, frame: (f: Int16Array) => void): void {
    let buf = pcm;
    if (this.pending.length > 0) {
      buf = new Int16Array(this.pending.length + pcm.length);
      buf.set(this.pending);
      buf.set(pcm, this.pending.length);
    }
    let off = 0;
    for (; off + n <= buf.length; off += n) frame(buf.subarray(off, off + n));
    this.pending = buf.slice(off);
  }
}
