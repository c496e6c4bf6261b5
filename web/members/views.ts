// The JSON shapes of members and audit entries.
import type { User } from '../../core/users/store.ts';
import type { AuditEntry } from '../../core/audit/store.ts';

export function memberJson(u: User) {
  return {
    id: u.id, username: u.username, name: u.displayName, email: u.email, phone: u.phone, department: u.department, role: u.role,
    frozen: u.frozenAt !== null, frozenAt: u.frozenAt?.toISOString() ?? null, invitedAt: u.invitedAt?.toISOString() ?? null,
    passwordSet: u.hasPassword, lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
  };
}

export function auditJson(e: AuditEntry) {
  return { id: e.id, at: e.at.toISOString(), userId: e.userId, actor: e.actor, action: e.action, targetType: e.targetType, targetId: e.targetId, data: e.data, ip: e.ip };
}
