// Real PNG files for tests (RFC 2083): signature, IHDR (8-bit truecolour),
// one IDAT of zlib-deflated scanlines (filter type 0), IEND; every chunk
// with its CRC-32. `solidPng` paints one colour, `stripedPng` two colours in
// vertical stripes (so a scaled or cropped image still shows both).
import { crc32, deflateSync } from 'node:zlib';

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([len, body, crc]);
}

export type Rgb = readonly [number, number, number];

export function makePng(width: number, height: number, pixel: (x: number, y: number) => Rgb): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  const raw = Buffer.alloc((width * 3 + 1) * height);
  let o = 0;
  for (let y = 0; y < height; y++) {
    raw[o++] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      raw[o++] = r; raw[o++] = g; raw[o++] = b;
    }
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

export function solidPng(width: number, height: number, rgb: Rgb): Buffer {
  return makePng(width, height, () => rgb);
}

export function stripedPng(width: number, height: number, a: Rgb, b: Rgb, stripe = 8): Buffer {
  return makePng(width, height, (x) => (Math.floor(x / stripe) % 2 === 0 ? a : b));
}

/** A PNG whose IHDR declares a canvas of width × height with next to no pixel data behind it (a decompression bomb's header). */
export function bombPng(width: number, height: number): Buffer {
  const real = solidPng(1, 1, [0, 0, 0]);
  const ihdr = Buffer.from(real.subarray(16, 29));
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  return Buffer.concat([real.subarray(0, 8), chunk('IHDR', ihdr), real.subarray(33)]);
}
