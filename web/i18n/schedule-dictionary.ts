// Texts of the scheduled mail (issue 14), in Chinese (zh) and English (en):
// reminders before a meeting, updated invitations and cancellations, and the
// operator's outbox page with retries.
export const SCHEDULE_DICTIONARY = {
  'mail.reminder.subject': { zh: '会议提醒：{name}（{minutes} 分钟后开始）', en: 'Reminder: {name} starts in {minutes} min' },
  'mail.reminder.intro': { zh: '提醒：{account} 的电话会议即将开始。', en: 'Reminder: a telephone conference of {account} is about to start.' },
  'mail.update.subject': { zh: '会议已更新：{name}', en: 'Updated: {name}' },
  'mail.update.intro': { zh: '{account} 更新了电话会议，以下为最新信息。', en: '{account} changed the telephone conference; here are the new details.' },
  'mail.cancel.subject': { zh: '会议已取消：{name}', en: 'Cancelled: {name}' },
  'mail.cancel.intro': { zh: '{account} 取消了电话会议“{name}”。', en: '{account} cancelled the telephone conference "{name}".' },
  'outbox.queued': { zh: '等待重试', en: 'queued for retry' },
  'outbox.attempts': { zh: '尝试次数', en: 'Attempts' },
  'outbox.nextAttempt': { zh: '下次尝试', en: 'Next attempt' },
  'outbox.error': { zh: '错误', en: 'Error' },
} as const;
