// The IVR's prompt catalog: every spoken prompt in Mandarin (zh-CN) and
// English, the number read-out pieces, and the paths of the generated WAVs
// (8 kHz mono 16-bit PCM, trimmed, peak about −3 dBFS).
//
// Each variant holds `text` (what the caller hears, for display and
// documentation) and `speak` (the exact input given to espeak-ng). Mandarin is
// spoken by the voice `cmn-latn-pinyin` from pinyin with tone numbers: the
// voice also reads characters, but then picks the wrong reading of some
// polyphones (重新 as zhòng) and never applies the 一/不 tone changes.
// `voice` is the language whose voice speaks the variant: the same as the
// variant's language except for `lang-switch`, which is the hint in the other
// language ("For English, press 9." on a Mandarin access number).
//
// The WAVs are made by scripts/make-prompts.ts and committed; see README.md.
// Tones (beeps) are not prompts: the engine makes them.
import { join } from 'node:path';
import type { Language } from '../../core/telephony/store.ts';

export type PromptLang = Language;
export const PROMPT_LANGS: readonly PromptLang[] = ['zh-CN', 'en'];

export interface PromptVariant {
  /** What the caller hears, as written text. */
  readonly text: string;
  /** The exact text given to espeak-ng (pinyin with tone numbers for Mandarin). */
  readonly speak: string;
  /** The language of the voice that speaks it (differs from the variant's language only for lang-switch). */
  readonly voice: PromptLang;
}

export interface PromptEntry {
  readonly 'zh-CN': PromptVariant;
  readonly en: PromptVariant;
}

/** zh: characters, zh pinyin, en text [, en input to espeak-ng when it differs]. */
function p(zh: string, zhSpeak: string, en: string, enSpeak: string = en): PromptEntry {
  return {
    'zh-CN': { text: zh, speak: zhSpeak, voice: 'zh-CN' },
    en: { text: en, speak: enSpeak, voice: 'en' },
  };
}

const POUND = 'followed by the pound key';

const TABLE = {
  // ── dial-in (SPEC §2) ──
  'welcome': p('欢迎使用电话会议服务。', 'huan1 ying2 shi3 yong4 dian4 hua4 hui4 yi4 fu2 wu4.',
    'Welcome to the conference service.'),
  // Played after `welcome` on the line's language; spoken in the OTHER language.
  'lang-switch': {
    'zh-CN': { text: 'For English, please press 9.', speak: 'For English, please press 9.', voice: 'en' },
    en: { text: '中文服务请按9。', speak: 'zhong1 wen2 fu2 wu4, qing3 an4 jiu3.', voice: 'zh-CN' },
  },
  'enter-room': p('请输入会议室号，以井号键结束。', 'qing3 shu1 ru4 hui4 yi4 shi4 hao4, yi3 jing3 hao4 jian4 jie2 shu4.',
    `Please enter the room number, ${POUND}.`),
  'room-not-found': p('您输入的会议室号不存在。', 'nin2 shu1 ru4 de5 hui4 yi4 shi4 hao4 bu4 cun2 zai4.',
    'That room number does not exist.'),
  'meeting-not-started': p('会议尚未开始，请稍后再拨。', 'hui4 yi4 shang4 wei4 kai1 shi3, qing3 shao1 hou4 zai4 bo1.',
    'This meeting has not started yet. Please call again later.'),
  'meeting-has-ended': p('会议已经结束。', 'hui4 yi4 yi3 jing1 jie2 shu4.',
    'This meeting has already ended.'),
  'service-unavailable': p('对不起，服务暂时无法使用。', 'dui4 bu5 qi3, fu2 wu4 zan4 shi2 wu2 fa3 shi3 yong4.',
    'Sorry, this service is currently unavailable.'),
  'enter-pin': p('请输入会议密码，以井号键结束。', 'qing3 shu1 ru4 hui4 yi4 mi4 ma3, yi3 jing3 hao4 jian4 jie2 shu4.',
    `Please enter the PIN, ${POUND}.`, `Please enter the pin, ${POUND}.`),
  'wrong-pin': p('密码错误。', 'mi4 ma3 cuo4 wu4.',
    'That PIN is not correct.', 'That pin is not correct.'),
  'too-many-attempts': p('输入错误次数过多，再见。', 'shu1 ru4 cuo4 wu4 ci4 shu4 guo4 duo1, zai4 jian4.',
    'Too many failed attempts. Goodbye.'),
  'pin-blocked': p('密码错误次数过多，请稍后再拨。',
    'mi4 ma3 cuo4 wu4 ci4 shu4 guo4 duo1, qing3 shao1 hou4 zai4 bo1.',
    'Too many incorrect PINs have been entered. Please call again later.',
    'Too many incorrect pins have been entered. Please call again later.'),
  'meeting-locked': p('会议已锁定，暂时无法加入。', 'hui4 yi4 yi3 suo3 ding4, zan4 shi2 wu2 fa3 jia1 ru4.',
    'This meeting is locked. You cannot join at this time.'),
  'meeting-full': p('会议人数已满，无法加入。', 'hui4 yi4 ren2 shu4 yi3 man3, wu2 fa3 jia1 ru4.',
    'This meeting is full. You cannot join.'),
  'record-name': p('请在提示音后说出您的姓名，然后按井号键。',
    'qing3 zai4 ti2 shi4 yin1 hou4 shuo1 chu1 nin2 de5 xing4 ming2, ran2 hou4 an4 jing3 hao4 jian4.',
    'After the tone, please say your name, then press the pound key.'),
  // Follow a recorded name: "<name> has joined the meeting."
  'has-joined': p('已加入会议。', 'yi3 jia1 ru4 hui4 yi4.', 'has joined the meeting.'),
  'has-left': p('已离开会议。', 'yi3 li2 kai1 hui4 yi4.', 'has left the meeting.'),
  'first-participant': p('您是第一位参会者。', 'nin2 shi4 di4 yi1 wei4 can1 hui4 zhe3.',
    'You are the first participant.'),
  'only-participant': p('当前只有您一位参会者。', 'dang1 qian2 zhi3 you3 nin2 yi2 wei4 can1 hui4 zhe3.',
    'You are the only participant in the meeting.'),
  // participantCount(n): count-pre + sayNumber(n) + count-post
  'count-pre': p('当前共有', 'dang1 qian2 gong4 you3', 'There are'),
  'count-post': p('位参会者。', 'wei4 can1 hui4 zhe3.', 'participants in the meeting.'),
  'wait-chair': p('主持人尚未加入，请稍候。', 'zhu3 chi2 ren2 shang4 wei4 jia1 ru4, qing3 shao1 hou4.',
    'The chair has not joined yet. Please hold.'),
  'chair-joined': p('主持人已加入，会议开始。', 'zhu3 chi2 ren2 yi3 jia1 ru4, hui4 yi4 kai1 shi3.',
    'The chair has joined. The meeting is starting.'),
  'warn-10-min': p('会议将在十分钟后结束。', 'hui4 yi4 jiang1 zai4 shi2 fen1 zhong1 hou4 jie2 shu4.',
    'The meeting will end in ten minutes.'),
  'warn-5-min': p('会议将在五分钟后结束。', 'hui4 yi4 jiang1 zai4 wu3 fen1 zhong1 hou4 jie2 shu4.',
    'The meeting will end in five minutes.'),
  'warn-1-min': p('会议将在一分钟后结束。', 'hui4 yi4 jiang1 zai4 yi4 fen1 zhong1 hou4 jie2 shu4.',
    'The meeting will end in one minute.'),
  // extendedBy(n): extended-pre + sayNumber(n) + unit-minutes (unit-minute for 1)
  'extended-pre': p('会议已延长', 'hui4 yi4 yi3 yan2 chang2', 'The meeting has been extended by'),
  'unit-minutes': p('分钟。', 'fen1 zhong1.', 'minutes.'),
  'unit-minute': p('分钟。', 'fen1 zhong1.', 'minute.'),
  'meeting-ending-goodbye': p('会议已结束，感谢您的参与，再见。',
    'hui4 yi4 yi3 jie2 shu4, gan3 xie4 nin2 de5 can1 yu4, zai4 jian4.',
    'The meeting has ended. Thank you for joining. Goodbye.'),

  // ── star menu (SPEC §3) ──
  'menu': p(
    '按0，呼叫话务员。按1，静音或取消静音。按2，锁定或解锁会议。按3，移除最后加入的参会者。'
      + '按4，收听参会人数。按5，全体静音或取消全体静音。按6，邀请他人加入。按7，开始或停止录音。'
      + '按8，返回会议。与话务员通话时，按星号井号返回会议。',
    'an4 ling2, hu1 jiao4 hua4 wu4 yuan2. an4 yi1, jing4 yin1 huo4 qu3 xiao1 jing4 yin1. '
      + 'an4 er4, suo3 ding4 huo4 jie3 suo3 hui4 yi4. an4 san1, yi2 chu2 zui4 hou4 jia1 ru4 de5 can1 hui4 zhe3. '
      + 'an4 si4, shou1 ting1 can1 hui4 ren2 shu4. an4 wu3, quan2 ti3 jing4 yin1 huo4 qu3 xiao1 quan2 ti3 jing4 yin1. '
      + 'an4 liu4, yao1 qing3 ta1 ren2 jia1 ru4. an4 qi1, kai1 shi3 huo4 ting2 zhi3 lu4 yin1. '
      + 'an4 ba1, fan3 hui2 hui4 yi4. yu3 hua4 wu4 yuan2 tong1 hua4 shi2, an4 xing1 hao4 jing3 hao4, fan3 hui2 hui4 yi4.',
    'Press 0 for operator assistance. Press 1 to mute or unmute yourself. Press 2 to lock or unlock the meeting. '
      + 'Press 3 to remove the participant who joined last. Press 4 to hear the number of participants. '
      + 'Press 5 to mute or unmute everyone. Press 6 to invite someone by phone. Press 7 to start or stop recording. '
      + 'Press 8 to return to the meeting. While talking to the operator, press star, pound, to return to the meeting.'),
  'operator-connecting': p('正在为您接通话务员，请稍候。', 'zheng4 zai4 wei4 nin2 jie1 tong1 hua4 wu4 yuan2, qing3 shao1 hou4.',
    'Connecting you to the operator. Please hold.'),
  'returned': p('您已返回会议。', 'nin2 yi3 fan3 hui2 hui4 yi4.', 'You are back in the meeting.'),
  'muted': p('您已静音。', 'nin2 yi3 jing4 yin1.', 'You are now muted.'),
  'unmuted': p('您已取消静音。', 'nin2 yi3 qu3 xiao1 jing4 yin1.', 'You are now unmuted.'),
  'cannot-unmute-listen-only': p('您处于只听模式，无法发言。', 'nin2 chu3 yu2 zhi3 ting1 mo2 shi4, wu2 fa3 fa1 yan2.',
    'You are in listen-only mode and cannot unmute.'),
  'cannot-unmute-chair-muted': p('您已被主持人静音，无法取消静音。', 'nin2 yi3 bei4 zhu3 chi2 ren2 jing4 yin1, wu2 fa3 qu3 xiao1 jing4 yin1.',
    'You have been muted by the chair and cannot unmute.'),
  'meeting-now-locked': p('会议已锁定。', 'hui4 yi4 yi3 suo3 ding4.', 'The meeting is now locked.'),
  'meeting-now-unlocked': p('会议已解锁。', 'hui4 yi4 yi3 jie3 suo3.', 'The meeting is now unlocked.'),
  'participant-removed': p('最后加入的参会者已被移出会议。', 'zui4 hou4 jia1 ru4 de5 can1 hui4 zhe3 yi3 bei4 yi2 chu1 hui4 yi4.',
    'The last participant to join has been removed.'),
  'no-one-to-remove': p('没有可以移除的参会者。', 'mei2 you3 ke3 yi3 yi2 chu2 de5 can1 hui4 zhe3.',
    'There is no one to remove.'),
  'all-muted': p('已将全体参会者静音。', 'yi3 jiang1 quan2 ti3 can1 hui4 zhe3 jing4 yin1.', 'All participants are now muted.'),
  'all-unmuted': p('已取消全体静音。', 'yi3 qu3 xiao1 quan2 ti3 jing4 yin1.', 'All participants are now unmuted.'),
  'enter-invite-number': p('请输入要邀请的电话号码，以井号键结束。',
    'qing3 shu1 ru4 yao4 yao1 qing3 de5 dian4 hua4 hao4 ma3, yi3 jing3 hao4 jian4 jie2 shu4.',
    `Please enter the phone number to invite, ${POUND}.`),
  'calling': p('正在呼叫，请稍候。', 'zheng4 zai4 hu1 jiao4, qing3 shao1 hou4.', 'Calling. Please wait.'),
  'callee-answered': p('对方已接听。按星号星号，邀请对方加入会议；按星号8，取消邀请。',
    'dui4 fang1 yi3 jie1 ting1. an4 xing1 hao4 xing1 hao4, yao1 qing3 dui4 fang1 jia1 ru4 hui4 yi4. an4 xing1 hao4 ba1, qu3 xiao1 yao1 qing3.',
    'The other party has answered. Press star star to bring them into the meeting, or star 8 to cancel.'),
  'invite-cancelled': p('邀请已取消。', 'yao1 qing3 yi3 qu3 xiao1.', 'The invitation has been cancelled.'),
  'call-busy': p('对方正忙。', 'dui4 fang1 zheng4 mang2.', 'The number is busy.'),
  'call-no-answer': p('无人接听。', 'wu2 ren2 jie1 ting1.', 'There is no answer.'),
  'call-failed': p('呼叫失败。', 'hu1 jiao4 shi1 bai4.', 'The call could not be completed.'),
  'balance-insufficient': p('账户余额不足，无法呼叫。', 'zhang4 hu4 yu2 e2 bu4 zu2, wu2 fa3 hu1 jiao4.',
    'The account balance is too low to place this call.'),
  'balance-low': p('账户余额即将用完，通话将在一分钟后结束。', 'zhang4 hu4 yu2 e2 ji2 jiang1 yong4 wan2, tong1 hua4 jiang1 zai4 yi4 fen1 zhong1 hou4 jie2 shu4.',
    'The account balance is almost used up. This call will end in one minute.'),
  'dial-out-refused': p('该号码不允许从本会议呼叫。', 'gai1 hao4 ma3 bu4 yun3 xu3 cong2 ben3 hui4 yi4 hu1 jiao4.',
    'This number cannot be called from this meeting.'),
  'invite-chair-only': p('只有主持人可以邀请参会者。', 'zhi3 you3 zhu3 chi2 ren2 ke3 yi3 yao1 qing3 can1 hui4 zhe3.',
    'Only the chair can invite people to this meeting.'),

  // ── a callee the bridge invites (web, API): inviteGreeting(room) = invite-intro + sayDigits(room) + invite-press-1 ──
  'invite-intro': p('您好，您被邀请参加电话会议，会议室号', 'nin2 hao3, nin2 bei4 yao1 qing3 can1 jia1 dian4 hua4 hui4 yi4, hui4 yi4 shi4 hao4',
    'Hello. You are invited to a conference call in meeting room'),
  'invite-press-1': p('加入会议请按1。', 'jia1 ru4 hui4 yi4 qing3 an4 yi1.', 'To join the meeting, press 1.'),
  'recording-started': p('会议录音已开始。', 'hui4 yi4 lu4 yin1 yi3 kai1 shi3.', 'This meeting is now being recorded.'),
  'recording-stopped': p('会议录音已停止。', 'hui4 yi4 lu4 yin1 yi3 ting2 zhi3.', 'Recording has stopped.'),
  'recording-not-allowed': p('本会议不允许录音。', 'ben3 hui4 yi4 bu4 yun3 xu3 lu4 yin1.', 'Recording is not allowed for this meeting.'),
  'chair-only': p('此按键仅供主持人使用。', 'ci3 an4 jian4 jin3 gong1 zhu3 chi2 ren2 shi3 yong4.', 'This key is for the chair only.'),
  'invalid-key': p('无效按键。', 'wu2 xiao4 an4 jian4.', 'Invalid key.'),

  // ── multi-party call (SPEC §4) ──
  'welcome-convener': p('欢迎使用多方通话，您是主持人。', 'huan1 ying2 shi3 yong4 duo1 fang1 tong1 hua4, nin2 shi4 zhu3 chi2 ren2.',
    'Welcome to multi-party calling. You are the host.'),
  'enter-party-number': p('请输入要呼叫的号码，以井号键结束。', 'qing3 shu1 ru4 yao4 hu1 jiao4 de5 hao4 ma3, yi3 jing3 hao4 jian4 jie2 shu4.',
    `To add a participant, enter their number, ${POUND}.`),
  'party-joined': p('对方已加入通话。', 'dui4 fang1 yi3 jia1 ru4 tong1 hua4.', 'The participant has joined the call.'),
  'unbound-caller': p('您的号码未开通此项服务，再见。', 'nin2 de5 hao4 ma3 wei4 kai1 tong1 ci3 xiang4 fu2 wu4, zai4 jian4.',
    'Your number is not registered for this service. Goodbye.'),

  // ── general ──
  'goodbye': p('再见。', 'zai4 jian4.', 'Goodbye.'),
  'try-again': p('请重新输入。', 'qing3 chong2 xin1 shu1 ru4.', 'Please try again.'),

  // ── digits, for reading room and phone numbers digit by digit (zh: 1 is 幺) ──
  'digit-0': p('零', 'ling2', 'zero'),
  'digit-1': p('幺', 'yao1', 'one'),
  'digit-2': p('二', 'er4', 'two'),
  'digit-3': p('三', 'san1', 'three'),
  'digit-4': p('四', 'si4', 'four'),
  'digit-5': p('五', 'wu3', 'five'),
  'digit-6': p('六', 'liu4', 'six'),
  'digit-7': p('七', 'qi1', 'seven'),
  'digit-8': p('八', 'ba1', 'eight'),
  'digit-9': p('九', 'jiu3', 'nine'),

  // ── number words, for counts (sayNumber) ──
  'num-0': p('零', 'ling2', 'zero'),
  'num-1': p('一', 'yi1', 'one'),
  'num-2': p('二', 'er4', 'two'),
  'num-3': p('三', 'san1', 'three'),
  'num-4': p('四', 'si4', 'four'),
  'num-5': p('五', 'wu3', 'five'),
  'num-6': p('六', 'liu4', 'six'),
  'num-7': p('七', 'qi1', 'seven'),
  'num-8': p('八', 'ba1', 'eight'),
  'num-9': p('九', 'jiu3', 'nine'),
  'num-10': p('十', 'shi2', 'ten'),
  'num-11': p('十一', 'shi2 yi1', 'eleven'),
  'num-12': p('十二', 'shi2 er4', 'twelve'),
  'num-13': p('十三', 'shi2 san1', 'thirteen'),
  'num-14': p('十四', 'shi2 si4', 'fourteen'),
  'num-15': p('十五', 'shi2 wu3', 'fifteen'),
  'num-16': p('十六', 'shi2 liu4', 'sixteen'),
  'num-17': p('十七', 'shi2 qi1', 'seventeen'),
  'num-18': p('十八', 'shi2 ba1', 'eighteen'),
  'num-19': p('十九', 'shi2 jiu3', 'nineteen'),
  'num-20': p('二十', 'er4 shi2', 'twenty'),
  'num-30': p('三十', 'san1 shi2', 'thirty'),
  'num-40': p('四十', 'si4 shi2', 'forty'),
  'num-50': p('五十', 'wu3 shi2', 'fifty'),
  'num-60': p('六十', 'liu4 shi2', 'sixty'),
  'num-70': p('七十', 'qi1 shi2', 'seventy'),
  'num-80': p('八十', 'ba1 shi2', 'eighty'),
  'num-90': p('九十', 'jiu3 shi2', 'ninety'),
  // 两: "two" as a quantity in Mandarin (两位, 两百, 两千, 两万); English reads it "two".
  'num-liang': p('两', 'liang3', 'two'),
  'num-hundred': p('百', 'bai3', 'hundred'),
  'num-thousand': p('千', 'qian1', 'thousand'),
  // 万 (used by Mandarin from 10,000 up; English never uses this id).
  'num-ten-thousand': p('万', 'wan4', 'ten thousand'),
} as const satisfies Record<string, PromptEntry>;

export type PromptId = keyof typeof TABLE;

export const CATALOG: Readonly<Record<PromptId, PromptEntry>> = TABLE;
export const PROMPT_IDS: readonly PromptId[] = Object.keys(TABLE) as PromptId[];

export function isPromptId(s: string): s is PromptId {
  return Object.hasOwn(TABLE, s);
}

/** The folder holding the WAVs: `<lang>/<id>.wav`, `music/hold.wav`, manifest.json. */
export const PROMPTS_DIR: string = import.meta.dirname;

/** Absolute path of the prompt's WAV (8 kHz mono 16-bit PCM). */
export function promptPath(id: PromptId, lang: PromptLang): string {
  return join(PROMPTS_DIR, lang, `${id}.wav`);
}

/** Absolute path of the hold-music loop (8 kHz mono 16-bit PCM, ~16 s, RMS about −20 dBFS). */
export function holdMusicPath(): string {
  return join(PROMPTS_DIR, 'music', 'hold.wav');
}

export function promptText(id: PromptId, lang: PromptLang): string {
  return TABLE[id][lang].text;
}

/** The sequence played on answer on a line of this language: greeting, then "press 9" in the other language. */
export function welcomeSequence(lang: PromptLang): PromptId[] {
  void lang;
  return ['welcome', 'lang-switch'];
}

const DIGIT_IDS = ['digit-0', 'digit-1', 'digit-2', 'digit-3', 'digit-4', 'digit-5', 'digit-6', 'digit-7', 'digit-8', 'digit-9'] as const;
const SMALL_IDS = [
  'num-0', 'num-1', 'num-2', 'num-3', 'num-4', 'num-5', 'num-6', 'num-7', 'num-8', 'num-9', 'num-10',
  'num-11', 'num-12', 'num-13', 'num-14', 'num-15', 'num-16', 'num-17', 'num-18', 'num-19', 'num-20',
] as const satisfies readonly PromptId[];
const TENS_IDS = [undefined, 'num-10', 'num-20', 'num-30', 'num-40', 'num-50', 'num-60', 'num-70', 'num-80', 'num-90'] as const satisfies readonly (PromptId | undefined)[];

/** The largest number sayNumber reads: English up to 999,999; Mandarin up to 99,999,999 (with 万). */
export const SAY_NUMBER_MAX: Readonly<Record<PromptLang, number>> = { 'zh-CN': 99_999_999, en: 999_999 };

function small(n: number): PromptId {
  const id = SMALL_IDS[n];
  if (id === undefined) throw new RangeError(`no number word for ${n}`);
  return id;
}

/** 1..99 in English: "twenty three" = num-20, num-3. */
function en99(n: number): PromptId[] {
  if (n <= 20) return [small(n)];
  const t = Math.floor(n / 10);
  const u = n % 10;
  const tens = TENS_IDS[t]!;
  return u === 0 ? [tens] : [tens, small(u)];
}

/** 1..999 in English: "one hundred fifty" = num-1, num-hundred, num-50 (no "and"). */
function en999(n: number): PromptId[] {
  const h = Math.floor(n / 100);
  const rest = n % 100;
  const out: PromptId[] = h > 0 ? [small(h), 'num-hundred'] : [];
  if (rest > 0) out.push(...en99(rest));
  return out;
}

/**
 * 1..99 in Mandarin. Alone (`leading`), 10–19 are 十… ("十三"); after a higher
 * place they are 一十… ("一百一十三"). 2 alone is 两 (a quantity: 两位); in a
 * longer number it is 二 (十二, 二十二).
 */
function zh99(n: number, leading: boolean): PromptId[] {
  if (n === 2 && leading) return ['num-liang'];
  if (n < 10) return [small(n)];
  if (n <= 20) return leading || n === 20 ? [small(n)] : ['num-1', small(n)];
  const t = Math.floor(n / 10);
  const u = n % 10;
  const tens = TENS_IDS[t]!;
  return u === 0 ? [tens] : [tens, small(u)];
}

/** A digit 1..9 before 百/千/万: 2 is 两 (两百, 两千, 两万). */
function zhPlaceDigit(d: number): PromptId {
  return d === 2 ? 'num-liang' : small(d);
}

/**
 * 1..9999 in Mandarin. Zero places between non-zero ones are read 零 once
 * (一百零二, 一千零五, 一千零一十); a group after 万 (`leading` false) that lacks its
 * thousands starts with 零 (一万零五, 一万零一百).
 */
function zh9999(n: number, leading: boolean): PromptId[] {
  const out: PromptId[] = [];
  let rest = n;
  let started = false;
  let zeroPending = false;
  for (const [value, word] of [[1000, 'num-thousand'], [100, 'num-hundred']] as const) {
    const d = Math.floor(rest / value);
    rest %= value;
    if (d > 0) {
      if (zeroPending) out.push('num-0');
      zeroPending = false;
      out.push(zhPlaceDigit(d), word);
      started = true;
    } else if (started || !leading) {
      zeroPending = true;
    }
  }
  if (rest > 0) {
    if (zeroPending || (started && rest < 10)) out.push('num-0'); // 一百零二
    out.push(...zh99(rest, leading && !started));
  }
  return out;
}

/**
 * The prompt ids that read the count `n` naturally: "二十三" (num-20, num-3),
 * "一百五十" (num-1, num-hundred, num-50); "twenty three", "one hundred fifty".
 * Throws RangeError for non-integers, negatives and numbers above SAY_NUMBER_MAX.
 */
export function sayNumber(n: number, lang: PromptLang): PromptId[] {
  if (!Number.isInteger(n) || n < 0 || n > SAY_NUMBER_MAX[lang]) {
    throw new RangeError(`sayNumber: ${n} is not an integer in 0..${SAY_NUMBER_MAX[lang]}`);
  }
  if (n === 0) return ['num-0'];
  if (lang === 'en') {
    const th = Math.floor(n / 1000);
    const rest = n % 1000;
    const out: PromptId[] = th > 0 ? [...en999(th), 'num-thousand'] : [];
    if (rest > 0) out.push(...en999(rest));
    return out;
  }
  const wan = Math.floor(n / 10_000);
  const rest = n % 10_000;
  if (wan === 0) return zh9999(rest, true);
  const out: PromptId[] = wan === 2 ? ['num-liang'] : zh9999(wan, true);
  out.push('num-ten-thousand');
  if (rest > 0) out.push(...zh9999(rest, false));
  return out;
}

/** One digit prompt per character of `s` (digits only: RangeError otherwise). Mandarin reads 1 as 幺. */
export function sayDigits(s: string, lang: PromptLang): PromptId[] {
  void lang; // the same ids in both languages; the files differ
  const out: PromptId[] = [];
  for (const ch of s) {
    const d = ch.charCodeAt(0) - 48;
    const id = ch.length === 1 ? DIGIT_IDS[d] : undefined;
    if (id === undefined) throw new RangeError(`sayDigits: ${JSON.stringify(s)} has a non-digit ${JSON.stringify(ch)}`);
    out.push(id);
  }
  return out;
}

/** "There are N participants" (*4, and what a joiner hears); n = 1 gives only-participant. */
/** What a callee the bridge invites hears: the room, and (with `confirm`) "press 1 to join". */
export function inviteGreeting(roomNumber: string, confirm: boolean, lang: PromptLang): PromptId[] {
  return ['invite-intro', ...sayDigits(roomNumber, lang), ...(confirm ? ['invite-press-1' as const] : [])];
}

export function participantCount(n: number, lang: PromptLang): PromptId[] {
  if (n === 1) return ['only-participant'];
  return ['count-pre', ...sayNumber(n, lang), 'count-post'];
}

/** "The meeting has been extended by N minutes." */
export function extendedBy(minutes: number, lang: PromptLang): PromptId[] {
  return ['extended-pre', ...sayNumber(minutes, lang), minutes === 1 ? 'unit-minute' : 'unit-minutes'];
}
