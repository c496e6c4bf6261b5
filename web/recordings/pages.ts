// The recordings page: filter by room and days, storage used, and per
// recording a player (the browser's <audio>, seeking by range requests),
// WAV and MP3 downloads and delete.
import type { PageRouter } from '../http/page-router.ts';
import type { WebServices } from '../services.ts';
import { html } from '../views/html.ts';
import { layout } from '../views/layout.ts';
import { formatDateTime, formatDuration } from '../views/format.ts';
import { HttpError } from '../errors.ts';
import { recordingsPeriod, recordingsQuery } from './routes.ts';

/** 1.5 MB, 320 KB: binary units, one decimal. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(1)} ${units[i]}`;
}

export function registerRecordingPages(pages: PageRouter, s: WebServices): void {
  pages.get('/recordings', 'account', async (ctx) => {
    const t = ctx.t;
    const q = recordingsQuery.safeParse(Object.fromEntries(Object.entries(ctx.query).filter(([, v]) => v !== '')));
    if (!q.success) throw new HttpError(400, 'invalid_input', 'invalid filter');
    const p = recordingsPeriod(q.data, ctx.timeZone, ctx.now);
    const [allList, usage, allRooms] = await Promise.all([
      s.recordings.list(ctx.accountId, { roomId: q.data.roomId, from: p.from, to: p.to }), s.recordings.usage(ctx.accountId), s.recordings.rooms(ctx.accountId),
    ]);
    const [list, rooms] = await Promise.all([s.scope.filter(ctx, allList, (x) => x.recording.roomId), s.scope.filter(ctx, allRooms, (r) => r.id)]);
    const tz = ctx.timeZone;
    return layout(ctx, {
      title: t('nav.recordings'), active: '/recordings',
      body: html`<p class="error" id="page-error" hidden></p>
      <form method="get" action="/recordings" class="card" id="recordings-filter">
        <select name="roomId"><option value="">${t('recordings.allRooms')}</option>${rooms.map((r) => html`<option value="${r.id}" ${r.id === q.data.roomId ? html`selected` : ''}>${r.name} (${r.number})</option>`)}</select>
        <input type="date" name="from" value="${p.fromDay}"> – <input type="date" name="to" value="${p.toDay}"> <button type="submit">${t('billing.show')}</button></form>
      <p id="recordings-storage">${t('recordings.storage', { size: formatBytes(usage.bytes), count: usage.count })}</p>
      ${list.length === 0 ? html`<p id="recordings-empty">${t('recordings.none')}</p>` : ''}
      <table id="recordings-table"><thead><tr><th>${t('recordings.room')}</th><th>${t('common.start')}</th><th class="num">${t('billing.duration')}</th><th class="num">${t('recordings.size')}</th><th></th></tr></thead>
      <tbody>${list.map(({ recording: r, roomName, roomNumber }) => html`<tr data-recording-id="${r.id}">
        <td>${roomName ?? t('history.deletedRoom')}${roomNumber ? html` (${roomNumber})` : ''}${r.failure ? html`<br><span class="warn recording-failed">${t('recordings.failed')}</span>` : ''}</td>
        <td>${formatDateTime(r.startedAt, tz, ctx.locale)}</td>
        <td class="num">${r.endedAt ? formatDuration(Math.round((r.durationMs ?? 0) / 1000)) : t('recordings.running')}</td>
        <td class="num">${r.sizeBytes === null ? '' : formatBytes(r.sizeBytes)}</td>
        <td>${r.endedAt ? html`<audio controls preload="none" src="/api/recordings/${r.id}/audio.wav"></audio>
          <div class="actions"><a class="button secondary download-wav" href="/api/recordings/${r.id}/audio.wav?download=1">${t('recordings.downloadWav')}</a>
          <a class="button secondary download-mp3" href="/api/recordings/${r.id}/audio.mp3?download=1">${t('recordings.downloadMp3')}</a>
          <button type="button" class="danger delete-recording" data-action="DELETE /api/recordings/${r.id}" data-confirm="js.confirmDelete">${t('common.delete')}</button></div>` : ''}</td></tr>`)}</tbody></table>`,
    });
  });
}
