// Every text the live console's script asks for exists in both languages:
// the keys written in web/public/js/live*.js, and the ones it builds from the
// message set's values (roles, why muted, quality badges, away).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { DICTIONARY } from '../../web/i18n/dictionary.ts';
import { clientMessages } from '../../web/i18n/messages.ts';
import { INVITE_STATE_NAMES, mutedBySchema, qualityBadgeSchema, liveParticipantSchema } from '../../core/live/messages.ts';

const JS = new URL('../../web/public/js/', import.meta.url);

function scriptKeys(): string[] {
  const files = [new URL('live.js', JS), ...readdirSync(new URL('live/', JS)).map((f) => new URL(`live/${f}`, JS))];
  const keys = new Set<string>();
  for (const f of files) for (const m of readFileSync(f, 'utf8').matchAll(/'(js\.[A-Za-z.-]+)'/g)) keys.add(m[1]!);
  return [...keys];
}

describe('live console texts', () => {
  it('has every key the script uses, in zh-CN and en', () => {
    const dynamic = [
      ...liveParticipantSchema.shape.role.options.map((r) => `js.live.${r}`),
      ...mutedBySchema.unwrap().options.map((m) => `js.live.mutedBy.${m}`), 'js.live.mutedBy.none',
      ...qualityBadgeSchema.options.map((b) => `js.live.quality.${b}`),
      ...liveParticipantSchema.shape.away.unwrap().options.map((a) => `js.live.away.${a}`),
      ...INVITE_STATE_NAMES.map((s) => `js.live.invite.${s}`),
    ];
    const keys = [...scriptKeys(), ...dynamic];
    assert.ok(keys.length > 40, `only ${keys.length} keys found`);
    const zh = clientMessages('zh-CN');
    const en = clientMessages('en');
    for (const k of keys) {
      assert.ok(k in DICTIONARY, `${k} is not in the dictionary`);
      assert.ok(zh[k] && en[k] && zh[k] !== k, `${k} reaches the page in both languages`);
    }
  });
});
