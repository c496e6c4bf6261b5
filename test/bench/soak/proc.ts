// What the soak reads about the bridge's process from /proc (Linux): its
// resident memory (VmRSS), and a census of its open descriptors — the UDP
// sockets bound in the RTP port range (the media workers are threads of the
// same process, so their sockets are in the same table), the TCP connections
// to the database's port (the pool opens and reaps them as it likes, so they
// are counted apart), and everything else. A socket's inode in
// /proc/<pid>/fd ("socket:[123]") is matched with the inode column of
// /proc/net/udp, udp6 and tcp, tcp6. Also the least-squares slope the RSS
// figure is given as.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** VmRSS of `pid` in KiB; NaN once the process is gone. */
export function rssKiB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : Number.NaN;
  } catch { return Number.NaN; }
}

export interface FdCensus {
  total: number;
  /** UDP sockets bound to a port in the RTP range. */
  rtpPorts: number;
  /** TCP connections to the database's port (the pool's; not a leak by themselves). */
  dbConnections: number;
  /** Every other descriptor (files, pipes, the SIP and web sockets, event fds…). */
  other: number;
  /** `other` by kind (socket, pipe, anon_inode:[eventfd], file…), for a message when it moves. */
  otherByKind: Record<string, number>;
}

/** inode → local port and remote port, from one /proc/net table. */
function sockets(table: string): Map<string, { local: number; remote: number }> {
  const out = new Map<string, { local: number; remote: number }>();
  let text = '';
  try { text = readFileSync(`/proc/net/${table}`, 'utf8'); } catch { return out; }
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const port = (addr: string | undefined) => parseInt(addr?.split(':')[1] ?? '', 16);
    out.set(f[9]!, { local: port(f[1]), remote: port(f[2]) });
  }
  return out;
}

export function fdCensus(pid: number, o: { rtpMin: number; rtpMax: number; dbPort?: number }): FdCensus {
  const udp = new Map([...sockets('udp'), ...sockets('udp6')]);
  const tcp = new Map([...sockets('tcp'), ...sockets('tcp6')]);
  const c: FdCensus = { total: 0, rtpPorts: 0, dbConnections: 0, other: 0, otherByKind: {} };
  let names: string[] = [];
  try { names = readdirSync(`/proc/${pid}/fd`); } catch { return c; }
  for (const name of names) {
    let target: string;
    try { target = readlinkSync(`/proc/${pid}/fd/${name}`); } catch { continue; } // closed while we looked
    c.total++;
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    const u = inode ? udp.get(inode) : undefined;
    if (u && u.local >= o.rtpMin && u.local <= o.rtpMax) { c.rtpPorts++; continue; }
    const t = inode ? tcp.get(inode) : undefined;
    if (t && o.dbPort !== undefined && t.remote === o.dbPort) { c.dbConnections++; continue; }
    c.other++;
    const kind = inode ? (u ? 'udp' : t ? 'tcp' : 'socket') : target.startsWith('/') ? 'file' : target.replace(/:\[?\d+\]?$/, '');
    c.otherByKind[kind] = (c.otherByKind[kind] ?? 0) + 1;
  }
  return c;
}

/** Least-squares slope of y over x (x in the caller's unit); NaN with fewer than 2 points. */
export function slope(points: ReadonlyArray<{ x: number; y: number }>): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) { num += (p.x - mx) * (p.y - my); den += (p.x - mx) ** 2; }
  return den === 0 ? Number.NaN : num / den;
}
