/**
 * Generic secrets: keys and tokens whose whole SecretString is the key (no JSON), generated with
 * the right format and length for each kind, and validated on setSecret/testSecret.
 */
import { randomBytes } from 'node:crypto';

export const SECRET_FORMATS = ['jwt-hmac', 'fernet', 'api-key', 'data-key', 'session-key'] as const;
export type SecretFormat = (typeof SECRET_FORMATS)[number];

export function isSecretFormat(s: string): s is SecretFormat {
  return (SECRET_FORMATS as readonly string[]).includes(s);
}

/** What each format is, for error messages (never mentions a value). */
export const FORMAT_DESCRIPTION: Readonly<Record<SecretFormat, string>> = {
  'jwt-hmac': 'an HMAC signing key: at least 32 random bytes (256 bits), url-safe base64 without padding',
  fernet: 'a Fernet key: 32 random bytes, url-safe base64 with padding (44 characters)',
  'api-key': 'an API key: at least 32 random bytes (256 bits), url-safe base64 without padding',
  'data-key': 'a data key: exactly 32 random bytes (AES-256), standard base64 (44 characters)',
  'session-key': 'a session key: at least 32 random bytes (256 bits), hexadecimal',
};

const B64URL_NOPAD = /^[A-Za-z0-9_-]+$/;
const B64URL_PAD = /^[A-Za-z0-9_-]+={0,2}$/;
const B64_STD = /^[A-Za-z0-9+/]+={0,2}$/;
const HEX = /^[0-9a-f]+$/;

/** Generate a new value of the format. */
export function generateSecret(format: SecretFormat): string {
  switch (format) {
    case 'jwt-hmac':
      // 64 bytes (512 bits): enough for HS256, HS384 and HS512 (RFC 7518 3.2: key >= hash size).
      return randomBytes(64).toString('base64url');
    case 'fernet':
      // Fernet spec: 32 bytes (16 signing + 16 encryption), base64url *with* padding.
      return randomBytes(32).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
    case 'api-key':
      return randomBytes(32).toString('base64url');
    case 'data-key':
      return randomBytes(32).toString('base64');
    case 'session-key':
      return randomBytes(32).toString('hex');
  }
}

/**
 * Why the value is not a valid key of the format, or undefined when it is. The reason never
 * contains (part of) the value, only lengths and character classes.
 */
export function validateSecret(format: SecretFormat, value: string): string | undefined {
  const len = value.length;
  switch (format) {
    case 'fernet': {
      if (len !== 44 || !B64URL_PAD.test(value) || !value.endsWith('=')) {
        return `not a Fernet key (got ${len} characters; ${FORMAT_DESCRIPTION.fernet})`;
      }
      const bytes = Buffer.from(value, 'base64url');
      return bytes.length === 32 ? undefined : `Fernet key decodes to ${bytes.length} bytes, not 32`;
    }
    case 'jwt-hmac':
    case 'api-key': {
      if (!B64URL_NOPAD.test(value)) return `contains characters outside url-safe base64 (${FORMAT_DESCRIPTION[format]})`;
      const bits = Buffer.from(value, 'base64url').length * 8;
      return bits >= 256 ? undefined : `only ${bits} bits of key material (${FORMAT_DESCRIPTION[format]})`;
    }
    case 'data-key': {
      if (!B64_STD.test(value) || len % 4 !== 0) return `not standard base64 (${FORMAT_DESCRIPTION['data-key']})`;
      const n = Buffer.from(value, 'base64').length;
      return n === 32 ? undefined : `data key decodes to ${n} bytes, not 32`;
    }
    case 'session-key': {
      if (!HEX.test(value) || len % 2 !== 0) return `not lowercase hexadecimal (${FORMAT_DESCRIPTION['session-key']})`;
      const bits = (len / 2) * 8;
      return bits >= 256 ? undefined : `only ${bits} bits of key material (${FORMAT_DESCRIPTION['session-key']})`;
    }
  }
}
