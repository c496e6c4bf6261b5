// Texts of the recordings page and the low-balance warning (issue 14), in
// Chinese (zh) and English (en).
export const RECORDINGS_DICTIONARY = {
  'nav.recordings': { zh: '会议录音', en: 'Recordings' },
  'recordings.room': { zh: '会议室', en: 'Room' },
  'recordings.allRooms': { zh: '全部会议室', en: 'All rooms' },
  'recordings.storage': { zh: '已用存储：{size}（{count} 个录音）', en: 'Storage used: {size} ({count} recordings)' },
  'recordings.play': { zh: '播放', en: 'Play' },
  'recordings.downloadWav': { zh: '下载 WAV', en: 'Download WAV' },
  'recordings.downloadMp3': { zh: '下载 MP3', en: 'Download MP3' },
  'recordings.size': { zh: '大小', en: 'Size' },
  'recordings.running': { zh: '录音中', en: 'recording' },
  'recordings.failed': { zh: '录音中断：无法写入文件', en: 'Stopped: the file could not be written' },
  'recordings.none': { zh: '所选日期内没有录音。', en: 'No recordings in these days.' },
  'js.live.recordingFailed': { zh: '录音已停止：无法写入录音文件（{reason}）。会议继续进行。', en: 'Recording stopped: its file could not be written ({reason}). The meeting goes on.' },
  'lowBalance.banner': { zh: '余额不足：当前余额 {balance}，低于提醒金额 {threshold}。请及时充值。', en: 'Low balance: {balance} is below your warning level of {threshold}. Please recharge.' },
  'lowBalance.title': { zh: '余额提醒', en: 'Low-balance warning' },
  'lowBalance.threshold': { zh: '余额低于此金额时提醒（元，0 表示不提醒）', en: 'Warn me when the balance falls below (0: never)' },
  'lowBalance.mail.subject': { zh: '{account}：余额不足', en: '{account}: low balance' },
  'lowBalance.mail.body': {
    zh: '您的账户余额为 {balance}，已低于提醒金额 {threshold}。余额用完后新的呼叫将被拒绝，请及时充值。\n（充值后余额再次低于提醒金额时会再次提醒。）',
    en: 'Your account\'s balance is {balance}, below your warning level of {threshold}. When it is used up, new calls are refused: please recharge.\n(After a recharge, you are warned again when it falls below the level again.)',
  },
} as const;
