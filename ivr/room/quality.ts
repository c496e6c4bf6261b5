// A leg's network figures (RTCP and the receive side, bridge/port.ts
// LegStats) as the live console shows them: loss %, jitter and round trip in
// ms, rounded so that noise below what a person would notice does not count
// as a change, and the good/fair/poor badge.
import type { LegStats } from '../../bridge/port.ts';
import { qualityBadge, type LiveQuality } from '../../core/live/messages.ts';

export function qualityOf(s: LegStats): LiveQuality {
  const lossPct = Math.round(Math.max(0, s.fractionLost) * 1000) / 10;
  const jitterMs = Math.round(Math.max(0, s.jitterMs));
  const rttMs = s.rttMs === undefined || !Number.isFinite(s.rttMs) ? null : Math.round(Math.max(0, s.rttMs));
  return { lossPct, jitterMs, rttMs, badge: qualityBadge(lossPct, jitterMs, rttMs) };
}

export function sameQuality(a: LiveQuality | null | undefined, b: LiveQuality): boolean {
  return a !== null && a !== undefined && a.lossPct === b.lossPct && a.jitterMs === b.jitterMs && a.rttMs === b.rttMs;
}
