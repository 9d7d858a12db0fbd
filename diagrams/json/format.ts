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
  writeJson(value, (s) => out.push(s));
  return out.join('');
}

/**
 * `formatJson`'s text as UTF-8 bytes, encoded a megabyte at a time: the text of an estate at
 * Parameter Store's limit (70 MB) is never one string, nor a list of millions of pieces.
 */
export function formatJsonBytes(value: unknown): Buffer {
  const chunks: Buffer[] = [];
  let parts: string[] = [];
  let size = 0;
  writeJson(value, (s) => {
    parts.push(s);
    size += s.length;
    if (size >= 1 << 20) {
      chunks.push(Buffer.from(parts.join(''), 'utf8'));
      parts = [];
      size = 0;
    }
  });
  chunks.push(Buffer.from(parts.join(''), 'utf8'));
  return Buffer.concat(chunks);
}

/** The text of `formatJson`, piece by piece. */
function writeJson(value: unknown, emit: (s: string) => void): void {
  const write = (v: unknown, indent: string): void => {
    if (!expand(v)) {
      emit(JSON.stringify(v) ?? 'null');
      return;
    }
    const inner = `${indent}  `;
    if (Array.isArray(v)) {
      emit('[\n');
      v.forEach((x, i) => {
        emit(inner);
        write(x, inner);
        emit(i < v.length - 1 ? ',\n' : '\n');
      });
      emit(`${indent}]`);
      return;
    }
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    emit('{\n');
    entries.forEach(([k, x], i) => {
      emit(`${inner}${JSON.stringify(k)}: `);
      write(x, inner);
      emit(i < entries.length - 1 ? ',\n' : '\n');
    });
    emit(`${indent}}`);
  };
  write(value, '');
  emit('\n');
}
