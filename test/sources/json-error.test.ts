/**
 * Where a JSON text first goes wrong (locateJsonError, used after JSON.parse failed): the offset
 * and what is wrong, for each kind of mistake, without ever quoting the input.
 */
import { describe, expect, it } from 'vitest';
import { locateJsonError } from '../../diagrams/sources/json.ts';

describe('locateJsonError', () => {
  const cases: [string, string, number, string, boolean][] = [
    ['a missing comma between members', '{"a": 1 "b": 2}', 8, "expected ',' or '}' after a property value", false],
    ['a trailing comma in an object', '{"a": 1,}', 8, 'expected a property name in double quotes', false],
    ['an unquoted property name', '{a: 1}', 1, 'expected a property name in double quotes', false],
    ['a missing colon', '{"a" 1}', 5, "expected ':' after a property name", false],
    ['a missing comma between elements', '[1 2]', 3, "expected ',' or ']' after an array element", false],
    ['a trailing comma in an array', '[1,]', 3, 'unexpected character', false],
    ['an invalid escape', '["a\\x"]', 4, 'invalid escape in a string', false],
    ['an invalid unicode escape', '["\\u12G4"]', 3, 'invalid \\u escape in a string', false],
    ['a raw control character in a string', '["a\u0001"]', 3, 'control character in a string', false],
    ['content after the value', '{} x', 3, 'unexpected content after the JSON value', false],
    ['an unknown literal', '[nul1]', 1, 'unexpected character', false],
    ['a cut-off object', '{"a": [1, 2', 11, 'unexpected end of input', true],
    ['a cut-off string', '{"a": "abc', 10, 'unexpected end of input', true],
    ['a cut-off literal', '[tru', 4, 'unexpected end of input', true],
    ['an empty text', '', 0, 'unexpected end of input', true],
  ];
  it.each(cases)('%s', (_what, text, offset, what, truncated) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(locateJsonError(text)).toEqual({ offset, what, truncated });
  });

  it('accepts empty objects and arrays and nested values, so a later error is found', () => {
    expect(locateJsonError('{"a": {}, "b": [], "c": [{"d": [true, false, null, -1.5e3]}]} ,')).toEqual({ offset: 62, what: 'unexpected content after the JSON value', truncated: false });
  });

  it('never returns input text', () => {
    const text = '{"password": "hunter2-secret" oops}';
    expect(JSON.stringify(locateJsonError(text))).not.toContain('hunter2');
  });
});
