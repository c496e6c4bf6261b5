// The long fuzz run (`make fuzz`): FUZZ_SIP SIP messages (default
// 10,000,000) and FUZZ_EACH inputs of every other target (default
// 1,000,000), in chunks of 10,000 spread over one worker thread per core
// (./worker.ts). Prints progress every 10 s (inputs/s, crashes and hangs per
// target) and the seed; writes every failing input kept to FUZZ_OUT
// (default .tmp/fuzz-findings/<target>/); exits 1 on any crash or hang.
//
//   make fuzz                                   # the full run
//   make fuzz FUZZ_SIP=100000 FUZZ_EACH=10000   # a short one
//   FUZZ_SEED=<n> make fuzz                     # replay a run (same counts)
//   FUZZ_TARGETS=sdp,wav make fuzz              # some targets only
//   FUZZ_REPLAY=<file> FUZZ_TARGETS=sip make fuzz   # judge one saved input
//
// A parser that never returns is caught by a watchdog: a worker silent for
// FUZZ_STALL_S (default 120 s) is ended and the input it was on saved.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { MAX_INPUT } from './mutate.ts';
import { HANG_MS, judge } from './target.ts';
import { TARGETS, targetNamed } from './targets/index.ts';
import type { Chunk, ChunkResult, Failure } from './worker.ts';

const env = process.env;
const SEED = Number(env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const SIP = Number(env.FUZZ_SIP ?? 10_000_000);
const EACH = Number(env.FUZZ_EACH ?? 1_000_000);
const WORKERS = Number(env.FUZZ_WORKERS ?? availableParallelism());
const HANG = Number(env.FUZZ_HANG_MS ?? HANG_MS);
const STALL_MS = Number(env.FUZZ_STALL_S ?? 120) * 1000;
const OUT = env.FUZZ_OUT ?? join('.tmp', 'fuzz-findings');
const CHUNK = 10_000;
const names = env.FUZZ_TARGETS ? env.FUZZ_TARGETS.split(',') : TARGETS.map((t) => t.name);

interface Row { total: number; done: number; accepted: number; crashes: number; hangs: number; ms: number }

function replay(file: string): never {
  const input = readFileSync(file);
  let bad = false;
  for (const name of names) {
    const v = judge(targetNamed(name), input, HANG);
    console.log(`${name}: ${JSON.stringify(v)}`);
    bad ||= v.kind === 'crash' || v.kind === 'hang';
  }
  process.exit(bad ? 1 : 0);
}

/** The chunks of the run, interleaved across targets so that progress shows on all of them. */
function plan(rows: Map<string, Row>): Chunk[] {
  const per = names.map((name, t) => {
    const total = rows.get(name)!.total;
    return Array.from({ length: Math.ceil(total / CHUNK) }, (_, i): Chunk => ({
      target: name, index: i, count: Math.min(CHUNK, total - i * CHUNK), seed: (SEED + t * 1_000_003 + i * 7919) | 0,
    }));
  });
  const out: Chunk[] = [];
  for (let i = 0; per.some((p) => i < p.length); i++) for (const p of per) if (i < p.length) out.push(p[i]!);
  return out;
}

let saved = 0;
function save(target: string, f: Failure, tag: string): void {
  const dir = join(OUT, target);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${f.kind}-${tag}.bin`);
  writeFileSync(file, Buffer.from(f.input, 'base64'));
  writeFileSync(`${file}.txt`, `${f.detail}\nseed ${SEED}\n`);
  saved++;
  console.log(`  ${f.kind} in ${target}: ${f.detail.slice(0, 200)} → ${file}`);
}

function table(rows: Map<string, Row>, started: number): string {
  const s = (Date.now() - started) / 1000;
  const lines = [...rows].map(([n, r]) => `  ${n.padEnd(16)} ${String(r.done).padStart(10)}/${r.total}  ${String(Math.round(r.done / Math.max(r.ms / 1000, 1e-3))).padStart(7)}/s per worker  accepted ${r.accepted}  crashes ${r.crashes}  hangs ${r.hangs}`);
  const done = [...rows.values()].reduce((a, r) => a + r.done, 0);
  return [`[${s.toFixed(0)} s] ${done} inputs, ${Math.round(done / Math.max(s, 1e-3))}/s (seed ${SEED})`, ...lines].join('\n');
}

async function main(): Promise<void> {
  if (env.FUZZ_REPLAY) replay(env.FUZZ_REPLAY);
  const rows = new Map<string, Row>(names.map((n) => [n, { total: n === 'sip' ? SIP : EACH, done: 0, accepted: 0, crashes: 0, hangs: 0, ms: 0 }]));
  for (const n of names) targetNamed(n);
  const queue = plan(rows);
  console.log(`fuzz: seed ${SEED} (replay with FUZZ_SEED=${SEED}), ${WORKERS} workers, ${queue.length} chunks of up to ${CHUNK}, hang bound ${HANG} ms`);
  const started = Date.now();
  const progress = setInterval(() => console.log(table(rows, started)), 10_000);
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => new Promise<void>((resolve) => {
    const current = new SharedArrayBuffer(4 + MAX_INPUT);
    const worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData: { current, hangMs: HANG } });
    let chunk: Chunk | undefined;
    let since = Date.now();
    const next = (): void => {
      chunk = queue.shift();
      since = Date.now();
      if (chunk) worker.postMessage(chunk);
      else void worker.terminate().then(() => resolve());
    };
    const watchdog = setInterval(() => {
      if (!chunk || Date.now() - since < STALL_MS) return;
      const n = new Int32Array(current, 0, 1)[0]!;
      const row = rows.get(chunk.target)!;
      row.hangs++;
      save(chunk.target, { kind: 'hang', detail: `no answer for ${STALL_MS / 1000} s`, input: Buffer.from(new Uint8Array(current, 4, n)).toString('base64') }, `stall-${chunk.index}`);
      clearInterval(watchdog);
      chunk = undefined;
      void worker.terminate().then(() => resolve());
    }, 1000);
    worker.on('message', (r: ChunkResult) => {
      const row = rows.get(r.target)!;
      row.done += r.count; row.accepted += r.accepted; row.crashes += r.crashes; row.hangs += r.hangs; row.ms += Date.now() - since;
      r.failures.forEach((f, i) => save(r.target, f, `${r.index}-${i}`));
      next();
    });
    worker.on('error', (err) => { console.error(`worker ${w}: ${String(err)}`); clearInterval(watchdog); resolve(); });
    worker.on('exit', () => clearInterval(watchdog));
    next();
  })));
  clearInterval(progress);
  const seconds = (Date.now() - started) / 1000;
  console.log(table(rows, started));
  const total = [...rows.values()].reduce((a, r) => ({ done: a.done + r.done, bad: a.bad + r.crashes + r.hangs, short: a.short || r.done < r.total }), { done: 0, bad: 0, short: false });
  console.log(`fuzz: ${total.done} inputs in ${seconds.toFixed(0)} s, ${total.bad} crashes and hangs, ${saved} inputs saved under ${OUT} (seed ${SEED})`);
  if (total.bad > 0 || total.short) process.exit(1);
}

await main();
