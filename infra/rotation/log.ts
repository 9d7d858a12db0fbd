/**
 * A logger that can only print identifiers: the secret id, the step, version ids, the strategy,
 * a database user name and a fixed message. There is deliberately no field for a value, so a
 * value cannot be logged by accident. One JSON line per event (CloudWatch-friendly).
 */
export interface LogFields {
  readonly secretId: string;
  readonly step: string;
  readonly versionId?: string;
  readonly strategy?: string;
  readonly dbUser?: string;
}

export interface RotationLogger {
  info(message: string, fields: LogFields): void;
  warn(message: string, fields: LogFields): void;
  error(message: string, fields: LogFields): void;
}

const ALLOWED: readonly (keyof LogFields)[] = ['secretId', 'step', 'versionId', 'strategy', 'dbUser'];

function line(level: string, message: string, fields: LogFields): string {
  const out: Record<string, string> = { level, message };
  for (const k of ALLOWED) {
    const v = fields[k];
    if (typeof v === 'string') out[k] = v;
  }
  return JSON.stringify(out);
}

export const consoleLogger: RotationLogger = {
  info: (m, f) => console.log(line('info', m, f)),
  warn: (m, f) => console.warn(line('warn', m, f)),
  error: (m, f) => console.error(line('error', m, f)),
};
