/**
 * No committed file holds a secret in plain text: stack config keys that name a secret are
 * `secure:`, no high-entropy literal sits in infra/, and no tracked file of the estate holds
 * credential-shaped text.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO } from './harness.ts';
import { looksLikeSecret } from './iam-eval.ts';

const SECRET_KEY_NAME = /(password|passwd|secret|token|api[-_]?key|private[-_]?key|signing[-_]?key|external[-_]?id|credential)/i;

function tracked(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: REPO, encoding: 'utf8' }).split('\0').filter((f) => f !== '');
}

/** Every config entry path (`mono-repo:parameters.database/host`) with its value, recursively. */
function entries(value: unknown, path: string, out: Array<[string, unknown]>): Array<[string, unknown]> {
  out.push([path, value]);
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !('secure' in value)) {
    for (const [k, v] of Object.entries(value)) entries(v, `${path}.${k}`, out);
  }
  return out;
}

/** Quoted string literals of a TypeScript source, split into whitespace-free tokens. */
function literalTokens(source: string): string[] {
  const tokens: string[] = [];
  for (const m of source.matchAll(/(['"`])((?:\\.|(?!\1)[^\\\n])*)\1/g)) tokens.push(...(m[2] ?? '').split(/[\s:/.,@]+/));
  return tokens;
}

describe('the detector', () => {
  it('flags generated key material and passes names, ARNs and ids', () => {
    expect(looksLikeSecret('IkVKLoQaNmJDUj0LbMVVFuJBjdw9j7rN')).toBe(true);
    expect(looksLikeSecret('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')).toBe(true);
    expect(looksLikeSecret('AWSLambdaVPCAccessExecutionRole')).toBe(false);
    expect(looksLikeSecret('mono-repo-parameter-store-key')).toBe(false);
    expect(looksLikeSecret('123456789012')).toBe(false);
    expect(looksLikeSecret('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789')).toBe(false);
    expect(SECRET_KEY_NAME.test('mono-repo:externalApiKey')).toBe(true);
    expect(SECRET_KEY_NAME.test('mono-repo:auditExternalId')).toBe(true);
    expect(SECRET_KEY_NAME.test('mono-repo:eksOidcProviderArn')).toBe(false);
  });
});

describe('committed files', () => {
  const files = tracked();
  const stackFiles = files.filter((f) => /^Pulumi\.[a-z]+\.yaml$/.test(f));

  it('include a config file for every stack', () => {
    expect(stackFiles.sort()).toEqual(['Pulumi.dev.yaml', 'Pulumi.prod.yaml', 'Pulumi.shared.yaml', 'Pulumi.uat.yaml']);
  });

  it.each(['Pulumi.shared.yaml', 'Pulumi.dev.yaml', 'Pulumi.uat.yaml', 'Pulumi.prod.yaml'])('%s: secret-named keys are secure, plain values are not key material', (file) => {
    const config = (parse(readFileSync(join(REPO, file), 'utf8')) as { config?: Record<string, unknown> }).config ?? {};
    let secure = 0;
    for (const [key, value] of Object.entries(config)) {
      for (const [path, v] of entries(value, key, [])) {
        const isSecure = v !== null && typeof v === 'object' && 'secure' in (v as object);
        if (isSecure) secure++;
        const leaf = path.split('.').pop() as string;
        if (SECRET_KEY_NAME.test(leaf)) expect(isSecure, `${file}: ${path} must be set with --secret`).toBe(true);
        if (typeof v === 'string') expect(looksLikeSecret(v), `${file}: ${path} looks like key material`).toBe(false);
      }
    }
    if (file !== 'Pulumi.shared.yaml') expect(secure).toBeGreaterThanOrEqual(2);
  });

  it('infra/ holds no high-entropy literal', () => {
    const sources = files.filter((f) => f.startsWith('infra/') && f.endsWith('.ts'));
    expect(sources.length).toBeGreaterThan(5);
    for (const f of sources) {
      for (const token of literalTokens(readFileSync(join(REPO, f), 'utf8'))) expect(looksLikeSecret(token), `${f}: ${token.slice(0, 6)}...`).toBe(false);
    }
  });

  it('no file of the estate holds credential-shaped text', () => {
    const mine = files.filter((f) => /^(infra\/|Pulumi\.|docs\/(access|deploy)\.md$|test\/infra\/)/.test(f) && statSync(join(REPO, f)).size < 1_000_000);
    const patterns = [/AKIA[0-9A-Z]{16}/, /-----BEGIN [A-Z ]*PRIVATE KEY-----/, /aws_secret_access_key\s*=/i, /postgres(ql)?:\/\/[^:\s]+:[^@\s$]+@/];
    for (const f of mine) {
      const text = readFileSync(join(REPO, f), 'utf8');
      for (const p of patterns) expect(p.test(text), `${f} matches ${p}`).toBe(false);
    }
  });
});
