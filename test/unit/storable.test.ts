import {
  boundedJsonText,
  decodeKey,
  depthOf,
  encodeKey,
  fromStorable,
  storableString,
  toStorable,
  truncateText,
} from '../../src/domain/storable';
import { useDatabase } from '../fixtures/infra';

const deep = (n: number, leaf: unknown = 1, wrap: 'array' | 'object' = 'array') => {
  let v: unknown = leaf;
  for (let i = 0; i < n; i++) v = wrap === 'array' ? [v] : { a: v };
  return v;
};

/** Everything a provider was seen to send that MongoDB/FerretDB refuse, in one value. */
const poison = (): Record<string, unknown> => ({
  // As JSON.parse makes it: an own key named __proto__, not a prototype.
  ...(JSON.parse('{"__proto__": {"polluted": true}}') as object),
  $where: 'this.a == 1',
  'a.b': { 'c.d': 'dotted', $gt: 1 },
  '100%': 'percent',
  'a%2Eb': 'looks encoded already',
  '': 'empty key',
  'nul\u0000key': 'k',
  text: 'before\u0000after',
  broken: 'x\uD800y',
  emoji: 'ok 😀',
  inf: Infinity,
  ninf: -Infinity,
  nan: NaN,
  matrix: [
    [1, 2],
    [3, [4]],
  ],
  list: [{ $inc: 1 }, null, 'x'],
});

describe('storable values: what FerretDB on PostgreSQL and MongoDB both accept', () => {
  it('keys: $ prefix, dots, % and NUL are escaped reversibly; ordinary keys are unchanged', () => {
    const cases: [string, string][] = [
      ['$where', '%24where'],
      ['a.b', 'a%2Eb'],
      ['100%', '100%25'],
      ['a%2Eb', 'a%252Eb'],
      ['nul\u0000', 'nul%00'],
      ['a$b', 'a$b'],
      ['plain_key', 'plain_key'],
      ['', ''],
      ['$', '%24'],
      ['.$.', '%2E$%2E'],
    ];
    for (const [key, encoded] of cases) {
      expect(encodeKey(key)).toBe(encoded);
      expect(decodeKey(encodeKey(key))).toBe(key);
    }
  });

  it('strings: NUL and unpaired surrogates become U+FFFD; pairs and other text stay', () => {
    expect(storableString('a\u0000b\u0000')).toBe('a\uFFFDb\uFFFD');
    expect(storableString('x\uD800y\uDC00z')).toBe('x\uFFFDy\uFFFDz');
    expect(storableString('😀 café \u0001')).toBe('😀 café \u0001');
  });

  it('text is cut to the limit without splitting a surrogate pair, and says so', () => {
    expect(truncateText('abc', 3)).toEqual({ text: 'abc', truncated: false });
    expect(truncateText('abcd', 3)).toEqual({ text: 'abc', truncated: true });
    expect(truncateText('ab😀', 3)).toEqual({ text: 'ab', truncated: true });
    const { value, truncated } = toStorable({ body: 'x'.repeat(20) }, { maxStringChars: 8 });
    expect(value).toEqual({ body: 'x'.repeat(8) });
    expect(truncated).toBe(true);
  });

  it('numbers that are not finite become strings; arrays in arrays are wrapped; __proto__ stays data', () => {
    const { value, truncated } = toStorable(poison());
    expect(truncated).toBe(false);
    expect(value).toMatchObject({
      '%24where': 'this.a == 1',
      'a%2Eb': { 'c%2Ed': 'dotted', '%24gt': 1 },
      '100%25': 'percent',
      'nul%00key': 'k',
      text: 'before\uFFFDafter',
      broken: 'x\uFFFDy',
      inf: 'Infinity',
      ninf: '-Infinity',
      nan: 'NaN',
      matrix: [{ '%array': [1, 2] }, { '%array': [3, { '%array': [4] }] }],
      list: [{ '%24inc': 1 }, null, 'x'],
    });
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ polluted: true });
  });

  it('fromStorable gives the original keys and structure back', () => {
    const original = poison();
    const back = fromStorable(toStorable(original).value) as Record<string, unknown>;
    expect(back).toEqual({
      ...original,
      text: 'before\uFFFDafter',
      broken: 'x\uFFFDy',
      inf: 'Infinity',
      ninf: '-Infinity',
      nan: 'NaN',
    });
    expect(back.matrix).toEqual(original.matrix);
  });

  it('below maxDepth a value is kept as (cut) JSON text, flagged; 5,000 levels do not overflow the stack', () => {
    const { value, truncated } = toStorable({ d: deep(5_000) }, { maxDepth: 4 });
    expect(truncated).toBe(true);
    // Levels 1–3 kept (arrays in arrays wrapped), level 4 as JSON text.
    expect(value).toEqual({ d: [{ '%array': [{ '%array': [expect.stringMatching(/^\[\[\[\[/)] }] }] });
    expect(depthOf(deep(100_000))).toBe(100_000);
    expect(depthOf(deep(100_000), 40)).toBe(41);
    expect(depthOf('x')).toBe(0);
    expect(depthOf({ a: [{ b: 1 }] })).toBe(3);
  });

  it('boundedJsonText: sorted keys, any depth, cut with an ellipsis', () => {
    expect(boundedJsonText({ b: 1, a: [true, null, 'x'] })).toBe('{"a":[true,null,"x"],"b":1}');
    expect(boundedJsonText({ b: 1, a: 2 })).toBe(boundedJsonText({ a: 2, b: 1 }));
    expect(boundedJsonText('a\u0000b')).toBe('"a\\u0000b"');
    const text = boundedJsonText(deep(200_000), 50);
    expect(text).toBe(`${'['.repeat(50)}…`);
    expect(boundedJsonText(new Array(300_000).fill(1), 10)).toBe('[1,1,1,1,1…');
    expect(boundedJsonText(deep(3, Infinity, 'object'))).toBe('{"a":{"a":{"a":null}}}');
  });

  describe('on the real database of the test run', () => {
    const db = useDatabase();

    it('the raw poison value is refused, its storable form is stored and reads back to the original', async () => {
      const c = db.conn.collection<{ _id: string; v: unknown }>('storable');
      for (const bad of [{ $where: 1 }, { 'a.b': 1 }, { t: 'a\u0000b' }, { n: Infinity }, { m: [[1]] }])
        await expect(c.insertOne({ _id: JSON.stringify(Object.keys(bad)), v: bad })).rejects.toThrow();
      const original = poison();
      await c.insertOne({ _id: 'p', v: toStorable(original).value });
      const read = await c.findOne({ _id: 'p' });
      expect(fromStorable(read?.v)).toEqual(fromStorable(toStorable(original).value));
      expect((fromStorable(read?.v) as { matrix: unknown }).matrix).toEqual(original.matrix);
    });
  });
});
