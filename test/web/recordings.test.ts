// The recordings API and page over an in-memory database with real files:
// list by room and days with the storage used, the audio with range
// requests (RFC 9110 §14: 206 with the right bytes, 416 past the end, a
// second range ignored), WAV and MP3 downloads checked as files, delete
// (row and files), and another account's 404 for the id and the files.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestWeb, type Client, type TestWeb } from '../support/web.ts';
import { DEMO } from '../../core/seed.ts';
import { readWav, writeWav } from '../../bridge/rtp/wav.ts';
import { byteRangeOf } from '../../web/recordings/byte-range.ts';
import { readPcmWav } from '../../web/recordings/pcm-wav.ts';
import { ParseError } from '../../common/errors.ts';
import { mp3Frames } from '../support/mp3-frames.ts';

const NOW = new Date('2026-06-01T02:00:00Z');
const OWNER_B = { username: 'owner-b', password: 'OwnerB#2026' };

function tone(seconds: number, hz: number): Int16Array {
  const s = new Int16Array(8000 * seconds);
  for (let i = 0; i < s.length; i++) s[i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / 8000));
  return s;
}

/** GET with the client's session, the body as bytes. */
async function getBytes(c: Client, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(c.base + path, { headers: { cookie: c.cookieHeader, ...headers } });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

describe('byteRangeOf (RFC 9110 §14.1.2)', () => {
  it('reads first-last, open-ended and suffix ranges, clamped to the file', () => {
    assert.deepEqual(byteRangeOf('bytes=0-99', 1000), { kind: 'part', start: 0, end: 99 });
    assert.deepEqual(byteRangeOf('bytes=900-', 1000), { kind: 'part', start: 900, end: 999 });
    assert.deepEqual(byteRangeOf('bytes=900-5000', 1000), { kind: 'part', start: 900, end: 999 });
    assert.deepEqual(byteRangeOf('bytes=-100', 1000), { kind: 'part', start: 900, end: 999 });
    assert.deepEqual(byteRangeOf('bytes=-5000', 1000), { kind: 'part', start: 0, end: 999 });
  });
  it('is unsatisfiable past the end (§15.5.17) and for an empty suffix', () => {
    assert.deepEqual(byteRangeOf('bytes=1000-', 1000), { kind: 'unsatisfiable' });
    assert.deepEqual(byteRangeOf('bytes=5000-6000', 1000), { kind: 'unsatisfiable' });
    assert.deepEqual(byteRangeOf('bytes=-0', 1000), { kind: 'unsatisfiable' });
  });
  it('ignores what it does not serve (§14.2): no header, other units, several ranges, last < first', () => {
    for (const h of [undefined, 'items=0-1', 'bytes=0-1,5-9', 'bytes=9-1', 'bytes=-', 'nonsense']) {
      assert.deepEqual(byteRangeOf(h, 1000), { kind: 'whole' }, String(h));
    }
  });
});

describe('readPcmWav (the recordings\' format)', () => {
  it('reads what the bridge writes, and a header never fixed (data size 0) to the end, dropping a cut odd byte', () => {
    const samples = tone(1, 440);
    const wav = writeWav({ samples });
    assert.deepEqual(readPcmWav(wav), { sampleRate: 8000, samples });
    const open = Buffer.from(wav);
    open.writeUInt32LE(0, 40);
    assert.equal(readPcmWav(Buffer.concat([open, Buffer.from([7])])).samples.length, 8000);
  });
  it('refuses other formats, garbage and truncation with ParseError', () => {
    assert.throws(() => readPcmWav(writeWav({ samples: tone(1, 440), format: 'ulaw' })), ParseError);
    assert.throws(() => readPcmWav(Buffer.from('not a wav at all')), ParseError);
    assert.throws(() => readPcmWav(writeWav({ samples: tone(1, 440) }).subarray(0, 30)), ParseError);
    assert.throws(() => readPcmWav(Buffer.alloc(0)), ParseError);
  });
});

describe('recordings web', () => {
  let w: TestWeb;
  let a: Client;
  let b: Client;
  let dir: string;
  let wavBytes: Buffer;
  const ids = {} as { room1: string; room2: string; rec1: string; rec2: string; running: string };

  async function addRecording(roomId: string, startedAt: Date, seconds: number, hz: number, finished = true): Promise<string> {
    const acc = w.seed.accountId;
    const conf = (await w.repos.conferences.startOrGet(acc, { roomId, at: startedAt })).conference;
    const path = join(dir, `${conf.id}-${startedAt.getTime()}.wav`);
    const bytes = writeWav({ samples: tone(seconds, hz) });
    writeFileSync(path, bytes);
    const rec = await w.repos.recordings.create(acc, { conferenceId: conf.id, path, startedAt });
    if (finished) {
      await w.repos.recordings.finish(acc, rec.id, { endedAt: new Date(startedAt.getTime() + seconds * 1000), durationMs: seconds * 1000, sizeBytes: bytes.length });
      await w.repos.conferences.end(acc, conf.id, { at: new Date(startedAt.getTime() + seconds * 1000 + 1000), reason: 'last_left' });
    }
    return rec.id;
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rec-web-'));
    w = await startTestWeb({ now: NOW });
    const accB = await w.repos.accounts.create({ name: 'B Ltd', tier: 'formal' });
    await w.repos.users.create({ accountId: accB.id, role: 'owner', username: OWNER_B.username, password: OWNER_B.password });
    const acc = w.seed.accountId;
    const room1 = await w.repos.rooms.create(acc, { name: 'Board', number: '7654321', chairPin: '111222', guestPin: '333444' }, { now: NOW });
    const room2 = await w.repos.rooms.create(acc, { name: 'Sales', number: '7654329', chairPin: '111222', guestPin: '333444' }, { now: NOW });
    ids.room1 = room1.id;
    ids.room2 = room2.id;
    ids.rec1 = await addRecording(room1.id, new Date('2026-05-30T03:00:00Z'), 2, 440);
    wavBytes = readFileSync((await w.repos.recordings.get(acc, ids.rec1)).path);
    ids.rec2 = await addRecording(room2.id, new Date('2026-05-20T03:00:00Z'), 1, 660);
    ids.running = await addRecording(room2.id, new Date('2026-06-01T01:59:00Z'), 1, 880, false);
    [a, b] = await Promise.all([w.login(DEMO.owner.username, DEMO.owner.password), w.login(OWNER_B.username, OWNER_B.password)]);
  });
  after(async () => { await w?.close(); rmSync(dir, { recursive: true, force: true }); });

  it('lists by room and days, newest first, with the storage used', async () => {
    const all = (await a.get('/api/recordings')).json();
    assert.deepEqual(all.recordings.map((r: { id: string }) => r.id), [ids.running, ids.rec1, ids.rec2]);
    assert.equal(all.usage.count, 3);
    const sizes = await w.repos.recordings.list(w.seed.accountId);
    assert.equal(all.usage.bytes, sizes.reduce((n, r) => n + (r.sizeBytes ?? 0), 0));
    assert.equal(all.usage.bytes, wavBytes.length + writeWav({ samples: tone(1, 660) }).length);
    assert.equal(all.recordings[1].roomName, 'Board');
    assert.equal(all.recordings[1].durationMs, 2000);
    const board = (await a.get(`/api/recordings?roomId=${ids.room1}`)).json();
    assert.deepEqual(board.recordings.map((r: { id: string }) => r.id), [ids.rec1]);
    const may20 = (await a.get('/api/recordings?from=2026-05-20&to=2026-05-20')).json();
    assert.deepEqual(may20.recordings.map((r: { id: string }) => r.id), [ids.rec2]);
    assert.equal((await a.get('/api/recordings?from=2026-05-21&to=2026-05-29')).json().recordings.length, 0);
  });

  it('refuses a bad filter with a clear error', async () => {
    assert.equal((await a.get('/api/recordings?roomId=nope')).status, 400);
    const r = await a.get('/api/recordings?from=2026-05-30&to=2026-05-01');
    assert.equal(r.status, 400);
    assert.equal(r.json().field, 'to');
    assert.equal((await a.get('/recordings?from=yesterday')).status, 400);
  });

  it('serves the WAV whole (200, Accept-Ranges) and in parts (206 with the right bytes)', async () => {
    const whole = await getBytes(a, `/api/recordings/${ids.rec1}/audio.wav`);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('accept-ranges'), 'bytes');
    assert.equal(whole.headers.get('content-type'), 'audio/wav');
    assert.equal(whole.headers.get('content-disposition'), null, 'inline for the player');
    assert.ok(whole.body.equals(wavBytes));
    const size = wavBytes.length;
    for (const [range, start, end] of [['bytes=0-43', 0, 43], ['bytes=1000-1999', 1000, 1999], [`bytes=${size - 10}-`, size - 10, size - 1], ['bytes=-16', size - 16, size - 1], [`bytes=${size - 5}-${size + 100}`, size - 5, size - 1]] as const) {
      const part = await getBytes(a, `/api/recordings/${ids.rec1}/audio.wav`, { range });
      assert.equal(part.status, 206, range);
      assert.equal(part.headers.get('content-range'), `bytes ${start}-${end}/${size}`, range);
      assert.equal(Number(part.headers.get('content-length')), end - start + 1, range);
      assert.ok(part.body.equals(wavBytes.subarray(start, end + 1)), range);
    }
  });

  it('answers 416 with bytes */size for a range past the end, and the whole file for ranges it ignores', async () => {
    const size = wavBytes.length;
    for (const range of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`, 'bytes=-0']) {
      const r = await getBytes(a, `/api/recordings/${ids.rec1}/audio.wav`, { range });
      assert.equal(r.status, 416, range);
      assert.equal(r.headers.get('content-range'), `bytes */${size}`, range);
      assert.equal(r.body.length, 0);
    }
    const multi = await getBytes(a, `/api/recordings/${ids.rec1}/audio.wav`, { range: 'bytes=0-1,4-5' });
    assert.equal(multi.status, 200);
    assert.ok(multi.body.equals(wavBytes));
  });

  it('downloads the WAV as an attachment that reads back as the recorded audio', async () => {
    const r = await getBytes(a, `/api/recordings/${ids.rec1}/audio.wav?download=1`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-disposition') ?? '', /^attachment; filename="recording-2026-05-30-03-00-00\.wav"$/);
    assert.equal(r.body.subarray(0, 4).toString('ascii'), 'RIFF');
    assert.equal(r.body.subarray(8, 12).toString('ascii'), 'WAVE');
    const wav = readWav(r.body);
    assert.equal(wav.sampleRate, 8000);
    assert.equal(wav.samples.length, 16000);
  });

  it('downloads an MP3 whose frames are MPEG-2.5 Layer III at 8 kHz covering the recording, and serves it by ranges too', async () => {
    const r = await getBytes(a, `/api/recordings/${ids.rec1}/audio.mp3?download=1`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'audio/mpeg');
    assert.match(r.headers.get('content-disposition') ?? '', /\.mp3"$/);
    const frames = mp3Frames(r.body);
    assert.ok(frames.every((f) => f.version === '2.5' && f.sampleRate === 8000 && f.bitrateKbps === 32));
    const seconds = frames.reduce((n, f) => n + f.samples, 0) / 8000;
    assert.ok(seconds >= 2 && seconds < 2.5, `MP3 lasts ${seconds} s`);
    assert.ok(r.body.length < wavBytes.length / 3, 'compressed');
    const part = await getBytes(a, `/api/recordings/${ids.rec1}/audio.mp3`, { range: 'bytes=0-3' });
    assert.equal(part.status, 206);
    assert.ok(part.body.equals(r.body.subarray(0, 4)));
  });

  it('has no MP3 of a recording still running, and does not delete it (409)', async () => {
    assert.equal((await a.get(`/api/recordings/${ids.running}/audio.mp3`)).status, 409);
    assert.equal((await a.delete(`/api/recordings/${ids.running}`)).status, 409);
  });

  it('gives another account 404 for the id, both files and delete, and lists none of them', async () => {
    for (const path of [`/api/recordings/${ids.rec1}`, `/api/recordings/${ids.rec1}/audio.wav`, `/api/recordings/${ids.rec1}/audio.mp3`,
      `/api/recordings/${ids.rec1}/audio.wav?download=1`]) {
      const r = await getBytes(b, path, { range: 'bytes=0-10' });
      assert.equal(r.status, 404, path);
      assert.ok(!r.body.includes(Buffer.from('RIFF')), path);
    }
    assert.equal((await b.delete(`/api/recordings/${ids.rec1}`)).status, 404);
    const list = (await b.get('/api/recordings')).json();
    assert.deepEqual(list.recordings, []);
    assert.deepEqual(list.usage, { count: 0, bytes: 0 });
    assert.ok(existsSync((await w.repos.recordings.get(w.seed.accountId, ids.rec1)).path));
  });

  it('needs a session for the files', async () => {
    assert.equal((await getBytes(w.client(), `/api/recordings/${ids.rec1}/audio.wav`)).status, 401);
  });

  it('shows the page with filter, storage, player, downloads and delete, linked from the navigation', async () => {
    const r = await a.get('/recordings');
    assert.equal(r.status, 200);
    assert.match(r.text, /<a href="\/recordings" class="active" data-nav="\/recordings">/);
    assert.match(r.text, new RegExp(`<tr data-recording-id="${ids.rec1}">`));
    assert.match(r.text, new RegExp(`<audio controls preload="none" src="/api/recordings/${ids.rec1}/audio.wav">`));
    assert.match(r.text, new RegExp(`href="/api/recordings/${ids.rec1}/audio.mp3\\?download=1"`));
    assert.match(r.text, new RegExp(`data-action="DELETE /api/recordings/${ids.rec1}"`));
    assert.match(r.text, /id="recordings-storage">存储|id="recordings-storage">已用存储/);
    const filtered = await a.get(`/recordings?roomId=${ids.room2}`);
    assert.doesNotMatch(filtered.text, new RegExp(ids.rec1));
    assert.match(filtered.text, new RegExp(ids.rec2));
  });

  it('deletes: the row is gone from the list and lookups, the WAV and MP3 files are removed, the audit log says who', async () => {
    const rec = await w.repos.recordings.get(w.seed.accountId, ids.rec1);
    const mp3 = rec.path.replace(/\.wav$/, '.mp3');
    assert.ok(existsSync(rec.path) && existsSync(mp3));
    assert.equal((await a.delete(`/api/recordings/${ids.rec1}`)).status, 204);
    assert.ok(!existsSync(rec.path) && !existsSync(mp3));
    assert.equal((await a.get(`/api/recordings/${ids.rec1}`)).status, 404);
    assert.equal((await getBytes(a, `/api/recordings/${ids.rec1}/audio.wav`)).status, 404);
    assert.equal((await a.delete(`/api/recordings/${ids.rec1}`)).status, 404);
    const list = (await a.get('/api/recordings')).json();
    assert.ok(!list.recordings.some((r: { id: string }) => r.id === ids.rec1));
    assert.equal(list.usage.count, 2);
    const row = await w.db('recordings').where({ id: ids.rec1 }).first();
    assert.ok(row.deleted_at, 'the row is kept, marked deleted');
    const audit = await w.db('audit_log').where({ action: 'recording.delete', target_id: ids.rec1 });
    assert.equal(audit.length, 1);
    assert.equal(audit[0].user_id, w.seed.ownerUserId);
  });
});
