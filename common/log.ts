// One pino logger for the process; modules take a child with a `module` field.
import { pino, type Logger } from 'pino';

const root: Logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
  base: { pid: process.pid },
});

export type { Logger };

export function moduleLogger(module: string, bindings: Record<string, unknown> = {}): Logger {
  return root.child({ module, ...bindings });
}
