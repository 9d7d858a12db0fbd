/** Capture everything written to the console during a test, to assert no secret value leaks. */
import { vi } from 'vitest';

export function captureConsole(): { text: () => string; restore: () => void } {
  const lines: string[] = [];
  const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
      lines.push(args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? `${a.message}\n${a.stack}` : JSON.stringify(a))).join(' '));
    }),
  );
  return { text: () => lines.join('\n'), restore: () => spies.forEach((s) => s.mockRestore()) };
}

/** Fail if any secret value (or any 12+ character piece of a JSON secret's fields) appears in the text. */
export function assertNoValues(text: string, values: readonly string[]): void {
  for (const v of values) {
    const needles = new Set<string>([v]);
    try {
      const o = JSON.parse(v) as Record<string, unknown>;
      if (o && typeof o === 'object' && typeof o.password === 'string') needles.add(o.password);
    } catch {
      /* not JSON */
    }
    for (const n of needles) {
      if (n.length >= 8 && text.includes(n)) throw new Error(`a secret value appeared in the output (length ${n.length})`);
    }
  }
}
