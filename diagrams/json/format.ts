/**
 * Deterministic JSON text for the machine-readable outputs: keys in the order the objects are built,
 * an array of objects one element per line, an object that holds such arrays one property per line,
 * everything else compact. Byte-identical for the same value; diff-friendly for people.
 */

function holdsObjects(v: unknown): boolean {
  return Array.isArray(v) && v.some((x) => x !== null && typeof x === 'object');
}

function expand(v: unknown): boolean {
  if (Array.isArray(v)) return holdsObjects(v);
  if (v !== null && typeof v === 'object') return Object.values(v as object).some((x) => holdsObjects(x) || (x !== null && typeof x === 'object' && !Array.isArray(x) && expand(x)));
  return false;
}

export function formatJson(value: unknown): string {
  const out: string[] = [];
  const write = (v: unknown, indent: string): void => {
    if (!expand(v)) {
      out.push(JSON.stringify(v) ?? 'null');
      return;
    }
    const inner = `${indent}  `;
    if (Array.isArray(v)) {
      out.push('[\n');
      v.forEach((x, i) => {
        out.push(inner);
        write(x, inner);
        out.push(i < v.length - 1 ? ',\n' : '\n');
      });
      out.push(`${indent}]`);
      return;
    }
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    out.push('{\n');
    entries.forEach(([k, x], i) => {
      out.push(`${inner}${JSON.stringify(k)}: `);
      write(x, inner);
      out.push(i < entries.length - 1 ? ',\n' : '\n');
    });
    out.push(`${indent}}`);
  };
  write(value, '');
  out.push('\n');
  return out.join('');
}
