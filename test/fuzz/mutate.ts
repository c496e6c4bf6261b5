// Mutation fuzzing as a fast-check arbitrary: a valid seed, then one to five
// byte-level mutations — flip, insert, delete, splice, repeat, truncate, line
// duplication, odd or huge numbers, extreme 16/32-bit fields — each drawn as
// plain integers so fast-check can replay a seed and shrink a finding (fewer
// mutations, smaller numbers) to the smallest input that still breaks.
import fc from 'fast-check';

/** Numbers that break naive arithmetic: limits of 8/16/32/53 bits, signs, exponents, empty. */
const ODD_NUMBERS = ['0', '-1', '255', '256', '65535', '65536', '2147483647', '2147483648', '4294967295',
  '4294967296', '9007199254740993', '99999999999999999999999', '1e9', '0x10', '00000000000000000001', ''];
/** 16/32-bit values written over binary length fields. */
const EXTREMES = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];
/** Largest input a mutation grows to (a SIP datagram is at most 65,535 bytes). */
export const MAX_INPUT = 70_000;

type Op = [kind: number, a: number, b: number, c: number];
const OPS = 13;

function lines(b: Buffer): string[] {
  return b.toString('latin1').split('\n');
}

function apply(b: Buffer, [kind, a, c1, c2]: Op, seeds: readonly Buffer[], dict: readonly string[], maxInput: number): Buffer {
  const at = b.length === 0 ? 0 : a % (b.length + 1);
  switch (kind) {
    case 0: { // flip one bit
      if (b.length === 0) return b;
      const out = Buffer.from(b);
      out[a % out.length]! ^= 1 << (c1 % 8);
      return out;
    }
    case 1: { // set a byte to an edge value
      if (b.length === 0) return b;
      const out = Buffer.from(b);
      out[a % out.length] = [0, 0xff, 0x7f, 0x80, 0x20, 0x0d, 0x0a][c1 % 7]!;
      return out;
    }
    case 2: // insert a dictionary token
      return Buffer.concat([b.subarray(0, at), Buffer.from(dict[c1 % dict.length] ?? '', 'latin1'), b.subarray(at)]);
    case 3: // delete a range
      return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + (c1 % 32))]);
    case 4: // truncate
      return b.subarray(0, at);
    case 5: { // repeat a slice, up to tens of kilobytes
      const piece = b.subarray(at, at + 1 + (c2 % 64));
      if (piece.length === 0) return b;
      // Log-uniform count (1 to 4,096 times): mostly short runs, now and then tens of kilobytes.
      const times = Math.min(1 + (c2 % (1 << (c1 % 13))), Math.floor((maxInput - b.length) / piece.length));
      if (times <= 0) return b;
      return Buffer.concat([b.subarray(0, at), Buffer.alloc(piece.length * times, piece), b.subarray(at)]);
    }
    case 6: { // duplicate a line (header duplication)
      const ls = lines(b);
      const i = c1 % ls.length;
      ls.splice(i, 0, ...Array<string>(1 + (c2 % 3)).fill(ls[i] ?? ''));
      return Buffer.from(ls.join('\n'), 'latin1');
    }
    case 7: { // swap two lines
      const ls = lines(b);
      const i = c1 % ls.length, j = c2 % ls.length;
      [ls[i], ls[j]] = [ls[j] ?? '', ls[i] ?? ''];
      return Buffer.from(ls.join('\n'), 'latin1');
    }
    case 8: { // an odd or huge number in place of a number
      const s = b.toString('latin1');
      const re = /\d+/g;
      re.lastIndex = at;
      const m = re.exec(s) ?? /\d+/.exec(s);
      if (!m) return b;
      return Buffer.concat([b.subarray(0, m.index), Buffer.from(ODD_NUMBERS[c1 % ODD_NUMBERS.length]!), b.subarray(m.index + m[0].length)]);
    }
    case 9: { // splice in a piece of another seed
      const other = seeds[c1 % seeds.length]!;
      const from = other.length === 0 ? 0 : c2 % other.length;
      return Buffer.concat([b.subarray(0, at), other.subarray(from, from + 1 + (c2 % 128)), b.subarray(at)]);
    }
    case 10: { // an extreme 16- or 32-bit value over a (length) field, big- or little-endian
      const width = c1 % 2 === 0 ? 2 : 4;
      if (b.length < width) return b;
      const out = Buffer.from(b);
      const i = a % (out.length - width + 1);
      const v = EXTREMES[c2 % EXTREMES.length]! >>> 0;
      if (width === 2) (c1 & 2 ? out.writeUInt16LE(v & 0xffff, i) : out.writeUInt16BE(v & 0xffff, i));
      else (c1 & 2 ? out.writeUInt32LE(v, i) : out.writeUInt32BE(v, i));
      return out;
    }
    case 11: { // drop a CR or an LF
      const i = b.indexOf(c1 % 2 === 0 ? 0x0d : 0x0a, at);
      return i < 0 ? b : Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]);
    }
    default: { // overwrite a run with random bytes
      if (b.length === 0) return b;
      const out = Buffer.from(b);
      const n = 1 + (c1 % 8);
      for (let k = 0; k < n && at + k < out.length; k++) out[at + k] = (c2 >>> (k * 4)) & 0xff;
      return out;
    }
  }
}

/** Applies the mutations in order to a copy of the seed (the form a fixture replays). */
export function mutate(seed: Buffer, ops: readonly Op[], seeds: readonly Buffer[], dict: readonly string[], maxInput = MAX_INPUT): Buffer {
  let b = seed;
  for (const op of ops) b = apply(b, op, seeds, dict, maxInput);
  return b;
}

/** Inputs made by mutating the seeds; repetition grows an input to `maxInput` bytes at most. */
export function mutated(seeds: readonly Buffer[], dict: readonly string[], maxInput = MAX_INPUT): fc.Arbitrary<Buffer> {
  if (seeds.length === 0) throw new RangeError('mutation needs at least one seed');
  const op = fc.tuple(fc.nat(OPS - 1), fc.nat(), fc.nat(), fc.nat());
  return fc.tuple(fc.nat(seeds.length - 1), fc.array(op, { minLength: 1, maxLength: 5 }))
    .map(([i, ops]) => mutate(seeds[i]!, ops, seeds, dict, maxInput));
}
