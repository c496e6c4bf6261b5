// The live participants table, built for a thousand rows: events change the
// model at once and mark the row dirty; one animation frame redraws the
// dirty rows only (cell by cell, see row.js). Sorting moves the rows that are
// out of place, at most every 0.7 s when sorted by talking (so the table
// does not jump with every breath); the search hides rows, never rebuilds.
import { createRow, updateRow } from './row.js';

const SORT_EVERY_MS = { talking: 700, joined: 0, name: 250 };
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

const nameOf = (p) => p.name || p.number;
const COMPARE = {
  talking: (a, b) => (Number(b.talking) - Number(a.talking)) || (a.joinOrder - b.joinOrder),
  joined: (a, b) => a.joinOrder - b.joinOrder,
  name: (a, b) => collator.compare(nameOf(a), nameOf(b)) || (a.joinOrder - b.joinOrder),
};

export class ParticipantTable {
  /** @param view { clock(iso), volume: {min, max} }; onRendered(table) after each redraw */
  constructor(tbody, view, onRendered) {
    this.tbody = tbody;
    this.view = view;
    this.onRendered = onRendered;
    this.recs = new Map();
    this.dirty = new Set();
    this.frame = 0;
    this.sortKey = 'talking';
    this.query = '';
    this.needsSort = false;
    this.lastSort = 0;
    this.sortTimer = 0;
  }

  get size() { return this.recs.size; }
  get(id) { return this.recs.get(id)?.p; }

  /** Everything anew from a snapshot. */
  reset(participants, helpRequested) {
    const help = new Set(helpRequested);
    this.recs.clear();
    this.dirty.clear();
    for (const p of participants) {
      const rec = createRow(p);
      rec.helpOn = help.has(p.id);
      updateRow(rec, this.view);
      this.filter(rec);
      this.recs.set(p.id, rec);
    }
    const frag = document.createDocumentFragment();
    for (const rec of this.sorted()) frag.appendChild(rec.tr);
    this.tbody.replaceChildren(frag);
    this.lastSort = performance.now();
    this.needsSort = false;
    this.onRendered(this);
  }

  /** A participant joined, or changed (the full state). */
  upsert(p) {
    const rec = this.recs.get(p.id);
    if (rec) { this.change(rec, p); return; }
    const fresh = createRow(p);
    this.recs.set(p.id, fresh);
    this.tbody.appendChild(fresh.tr);
    this.needsSort = true;
    this.mark(fresh);
  }

  remove(id) {
    const rec = this.recs.get(id);
    if (!rec) return;
    rec.tr.remove();
    this.recs.delete(id);
    this.dirty.delete(rec);
    this.schedule();
  }

  talking(id, talking) {
    const rec = this.recs.get(id);
    if (rec && rec.p.talking !== talking) this.change(rec, { ...rec.p, talking });
  }

  quality(items) {
    for (const i of items) {
      const rec = this.recs.get(i.participantId);
      if (rec) this.change(rec, { ...rec.p, quality: i.quality });
    }
  }

  help(id, on) {
    const rec = this.recs.get(id);
    if (!rec) return;
    rec.helpOn = on;
    this.mark(rec);
  }

  setSort(key) {
    this.sortKey = key;
    this.sortNow();
  }

  setQuery(text) {
    this.query = text.trim().toLowerCase();
    for (const rec of this.recs.values()) this.filter(rec);
    this.onRendered(this);
  }

  /** Rows the search leaves visible. */
  get shown() {
    let n = 0;
    for (const rec of this.recs.values()) if (!rec.tr.hidden) n++;
    return n;
  }

  change(rec, p) {
    const resort = p.talking !== rec.p.talking ? this.sortKey === 'talking' : (this.sortKey === 'name' && nameOf(p) !== nameOf(rec.p));
    rec.p = p;
    if (resort) this.needsSort = true;
    this.mark(rec);
  }

  mark(rec) {
    this.dirty.add(rec);
    this.schedule();
  }

  schedule() {
    if (!this.frame) this.frame = requestAnimationFrame(() => { this.frame = 0; this.render(); });
  }

  render() {
    for (const rec of this.dirty) {
      if (!this.recs.has(rec.p.id)) continue;
      updateRow(rec, this.view);
      this.filter(rec);
    }
    this.dirty.clear();
    if (this.needsSort) this.sortSoon();
    this.onRendered(this);
  }

  filter(rec) {
    const q = this.query;
    const hide = q !== '' && !((rec.p.name ?? '').toLowerCase().includes(q) || rec.p.number.toLowerCase().includes(q));
    if (rec.tr.hidden !== hide) rec.tr.hidden = hide;
  }

  sorted() {
    const cmp = COMPARE[this.sortKey];
    return [...this.recs.values()].sort((a, b) => cmp(a.p, b.p));
  }

  sortSoon() {
    const wait = this.lastSort + SORT_EVERY_MS[this.sortKey] - performance.now();
    if (wait <= 0) { this.sortNow(); return; }
    if (!this.sortTimer) this.sortTimer = setTimeout(() => { this.sortTimer = 0; this.sortNow(); }, wait);
  }

  /** Moves only the rows that are out of place. */
  sortNow() {
    this.needsSort = false;
    this.lastSort = performance.now();
    let cursor = this.tbody.firstChild;
    for (const rec of this.sorted()) {
      if (rec.tr === cursor) cursor = cursor.nextSibling;
      else this.tbody.insertBefore(rec.tr, cursor);
    }
  }
}
