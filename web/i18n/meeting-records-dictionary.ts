// Texts of the meeting summary mail and the retention setting (issue 14), in
// Chinese (zh) and English (en).
export const MEETING_RECORDS_DICTIONARY = {
  'meetingRecords.title': { zh: '会议纪要与保留期限', en: 'Meeting summaries and retention' },
  'meetingRecords.summaryMail': { zh: '每次会议结束后给我发送会议纪要邮件', en: 'E-mail me a summary after each meeting' },
  'meetingRecords.retentionDays': {
    zh: '录音和会议日志保留天数（0 表示永久保留；话单始终保留）',
    en: 'Keep recordings and meeting logs for this many days (0: forever; call records are always kept)',
  },
  'summary.subject': { zh: '会议纪要：{room}（{start}）', en: 'Meeting summary: {room} ({start})' },
  'summary.intro': { zh: '会议室 {room}（会议号 {number}）的会议已结束。', en: 'The meeting in {room} (room {number}) has ended.' },
  'summary.start': { zh: '开始：{time}', en: 'Started: {time}' },
  'summary.end': { zh: '结束：{time}', en: 'Ended: {time}' },
  'summary.duration': { zh: '时长：{duration}', en: 'Duration: {duration}' },
  'summary.participants': { zh: '参会者（{count}）：', en: 'Participants ({count}):' },
  'summary.noParticipants': { zh: '没有参会者记录。', en: 'No participants were recorded.' },
  'summary.participant': {
    zh: '- {who}，{role}，{direction}，加入 {joined}，离开 {left}，时长 {duration}，费用 {cost}',
    en: '- {who}, {role}, {direction}, joined {joined}, left {left}, {duration}, cost {cost}',
  },
  'summary.role.chair': { zh: '主持人', en: 'chair' },
  'summary.role.guest': { zh: '参会者', en: 'guest' },
  'summary.role.none': { zh: '未入会', en: 'not admitted' },
  'summary.direction.in': { zh: '呼入', en: 'called in' },
  'summary.direction.out': { zh: '外呼', en: 'called out' },
  'summary.notAnswered': { zh: '未接通', en: 'not answered' },
  'summary.cost': { zh: '费用合计：{cost}', en: 'Total cost: {cost}' },
  'summary.recordings': { zh: '录音（{count}）：{url}', en: 'Recordings ({count}): {url}' },
  'summary.noRecordings': { zh: '本次会议没有录音。', en: 'This meeting was not recorded.' },
  'summary.footer': {
    zh: '您收到此邮件是因为账户设置了会议纪要邮件；可在“账户”页面关闭。',
    en: 'You receive this mail because your account asks for meeting summaries; turn them off on the Account page.',
  },
} as const;
